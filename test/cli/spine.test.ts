/**
 * The versioning spine, driven through the real CLI: init, import, commit,
 * status, log, show, checkout, branch, tag; every scenario ends with native
 * git's fsck and a clean `git status`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, git, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';

const V1 = 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n';
const V2 = 'id,name,score\n1,ann,11\n3,cy,30\n4,dee,40\n';
const v1 = dataFile('v1.csv', V1);
const v2 = dataFile('v2.csv', V2);

function commitV1V2(dir: string): { c1: string; c2: string } {
  ok(dir, ['import', v1, '--table', 'people', '--key', 'id']);
  ok(dir, ['commit', '-m', 'v1']);
  ok(dir, ['import', v2, '--table', 'people']);
  ok(dir, ['commit', '-m', 'v2']);
  const log = JSON.parse(ok(dir, ['log', '--json'])) as { commit: string }[];
  return { c2: log[0]!.commit, c1: log[1]!.commit };
}

describe('spine: init, import, commit, log, status', () => {
  it('records commits that native git accepts, with per-table row deltas', () => {
    const dir = newRepo();
    expect(fs.existsSync(path.join(dir, 'fv.json'))).toBe(true);
    expect(git(dir, ['symbolic-ref', 'HEAD']).stdout.trim()).toBe('refs/heads/main');
    const { c1, c2 } = commitV1V2(dir);
    const log = JSON.parse(ok(dir, ['log', '--json']));
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ commit: c2, parents: [c1], message: 'v2', author: 'Test User', tables: { people: { added: 1, removed: 1, modified: 1 } } });
    expect(log[1]).toMatchObject({ commit: c1, parents: [], message: 'v1', tables: { people: { added: 3, removed: 0, modified: 0 } } });
    expect(log[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    // native git sees the same history
    expect(git(dir, ['log', '--format=%H %s']).stdout.trim().split('\n')).toEqual([`${c2} v2`, `${c1} v1`]);
    expect(git(dir, ['show', '--stat', 'HEAD']).code).toBe(0);
    expectGitClean(dir);
  });

  it('status reports new, modified and deleted tables with row counts', () => {
    const dir = newRepo();
    let s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s).toEqual({ branch: 'main', head: null, tables: {}, definitions: 'clean', merging: false, conflicts: 0 });
    commitV1V2(dir);
    s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s.tables.people).toMatchObject({ state: 'clean', added: 0, removed: 0, modified: 0 });
    ok(dir, ['import', v1, '--table', 'people']);
    ok(dir, ['import', v1, '--table', 'other']);
    s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s.tables.people).toMatchObject({ state: 'modified', added: 1, removed: 1, modified: 1 });
    expect(s.tables.other).toMatchObject({ state: 'new', added: 3, removed: 0, modified: 0 });
    expect(ok(dir, ['status'])).toMatch(/modified:\s+people/);
    writeFile(dir, 'features.json', '{"entities": {}}\n');
    expect(JSON.parse(ok(dir, ['status', '--json'])).definitions).toBe('modified');
  });

  it('refuses an empty commit, a commit with no author, and an empty message', () => {
    const dir = newRepo();
    commitV1V2(dir);
    const before = treeState(dir);
    fails(dir, ['commit', '-m', 'again'], /nothing to commit/);
    fails(dir, ['commit', '-m', ''], /empty commit message/);
    ok(dir, ['import', v1, '--table', 'people']);
    const mid = treeState(dir);
    fails(dir, ['commit', '-m', 'x'], /no commit author/, { env: { GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined } });
    expect(treeState(dir)).toEqual(mid);
    expect(before.size).toBeGreaterThan(0);
    ok(dir, ['commit', '-m', 'explicit', '--author', 'Ann Other <ann@example.com>'], { env: { GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined } });
    expect(git(dir, ['log', '-1', '--format=%an <%ae>']).stdout.trim()).toBe('Ann Other <ann@example.com>');
    ok(dir, ['commit', '-m', 'empty', '--allow-empty']);
    expect(JSON.parse(ok(dir, ['log', '--json', '-n', '1']))[0]).toMatchObject({ message: 'empty', tables: {} });
    expectGitClean(dir);
  });

  it('log --table lists only commits that changed the table; --oneline and -n work', () => {
    const dir = newRepo();
    commitV1V2(dir);
    const oCsv = dataFile('o.csv', 'k\n1\n');
    ok(dir, ['import', oCsv, '--table', 'other']);
    ok(dir, ['commit', '-m', 'other']);
    const people = JSON.parse(ok(dir, ['log', '--json', '--table', 'people']));
    expect(people.map((e: { message: string }) => e.message)).toEqual(['v2', 'v1']);
    expect(ok(dir, ['log', '--oneline']).trim().split('\n')).toHaveLength(3);
    expect(JSON.parse(ok(dir, ['log', '--json', '-n', '1']))).toHaveLength(1);
  });
});

describe('spine: checkout, branch, tag, show', () => {
  it('checkout of a rev restores every value exactly, and back', () => {
    const dir = newRepo();
    const { c1 } = commitV1V2(dir);
    ok(dir, ['checkout', c1.slice(0, 7)]);
    expect(ok(dir, ['export', 'people'])).toBe(V1);
    expect(JSON.parse(ok(dir, ['status', '--json'])).branch).toBe(null);
    expectGitClean(dir);
    ok(dir, ['checkout', 'main']);
    expect(ok(dir, ['export', 'people'])).toBe('id,name,score\n1,ann,11\n3,cy,30\n4,dee,40\n');
    expect(ok(dir, ['export', 'people', '--at', 'HEAD~1'])).toBe(V1);
    expect(ok(dir, ['export', 'people', '--at', 'main^'])).toBe(V1);
    expectGitClean(dir);
  });

  it('checkout refuses to overwrite uncommitted changes unless --force, and carries changes a switch does not touch', () => {
    const dir = newRepo();
    commitV1V2(dir);
    ok(dir, ['import', v1, '--table', 'people']);
    const before = treeState(dir);
    fails(dir, ['checkout', 'HEAD~1'], /uncommitted changes to table people/);
    expect(treeState(dir)).toEqual(before);
    // a new branch at HEAD keeps the change
    ok(dir, ['checkout', '-b', 'wip']);
    expect(JSON.parse(ok(dir, ['status', '--json'])).tables.people.state).toBe('modified');
    ok(dir, ['checkout', '--force', 'main']);
    expect(JSON.parse(ok(dir, ['status', '--json'])).tables.people.state).toBe('clean');
    expectGitClean(dir);
  });

  it('checkout <rev> -- <table> restores one table without moving HEAD', () => {
    const dir = newRepo();
    commitV1V2(dir);
    const oCsv = dataFile('o.csv', 'k\n1\n');
    ok(dir, ['import', oCsv, '--table', 'other']);
    ok(dir, ['commit', '-m', 'other']);
    ok(dir, ['checkout', 'HEAD~2', '--', 'people']);
    expect(ok(dir, ['export', 'people'])).toBe(V1);
    const s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s.branch).toBe('main');
    expect(s.tables.people.state).toBe('modified');
    expect(s.tables.other.state).toBe('clean');
    fails(dir, ['checkout', 'HEAD', '--', 'nope'], /no table "nope"/);
  });

  it('checkout rewinds features.json with the data', () => {
    const dir = newRepo();
    writeFile(dir, 'features.json', '{"entities": {"user": {"keys": ["id"]}}}\n');
    ok(dir, ['import', v1, '--table', 'people', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    writeFile(dir, 'features.json', '{"entities": {"person": {"keys": ["id"]}}}\n');
    ok(dir, ['commit', '-m', 'two']);
    ok(dir, ['checkout', 'HEAD~1']);
    expect(fs.readFileSync(path.join(dir, 'features.json'), 'utf8')).toContain('"user"');
    ok(dir, ['checkout', 'main']);
    expect(fs.readFileSync(path.join(dir, 'features.json'), 'utf8')).toContain('"person"');
    expectGitClean(dir);
  });

  it('branches and tags', () => {
    const dir = newRepo();
    const { c1, c2 } = commitV1V2(dir);
    ok(dir, ['branch', 'old', c1]);
    ok(dir, ['tag', 'v1', c1]);
    ok(dir, ['tag', 'v2', '-m', 'second release']);
    expect(JSON.parse(ok(dir, ['branch', '--json']))).toEqual([
      { name: 'main', commit: c2, current: true },
      { name: 'old', commit: c1, current: false },
    ]);
    expect(JSON.parse(ok(dir, ['tag', '--json']))).toEqual([
      { name: 'v1', commit: c1, annotated: false },
      { name: 'v2', commit: c2, annotated: true },
    ]);
    expect(git(dir, ['cat-file', '-t', 'v2']).stdout.trim()).toBe('tag');
    expect(ok(dir, ['export', 'people', '--at', 'v1'])).toBe(V1);
    fails(dir, ['branch', 'old'], /already exists/);
    fails(dir, ['tag', 'v1'], /already exists/);
    fails(dir, ['branch', 'bad..name'], /invalid branch name/);
    fails(dir, ['branch', '-d', 'main'], /checked out/);
    ok(dir, ['branch', '-d', 'old']);
    expect(JSON.parse(ok(dir, ['branch', '--json']))).toHaveLength(1);
    fails(dir, ['checkout', 'nope'], /unknown revision "nope"/);
    fails(dir, ['export', 'people', '--at', 'v1~5'], /past the first commit/);
    expectGitClean(dir);
  });

  it('show gives a commit summary and a table summary', () => {
    const dir = newRepo();
    const { c2 } = commitV1V2(dir);
    const c = JSON.parse(ok(dir, ['show', 'HEAD', '--json']));
    expect(c).toMatchObject({ commit: c2, message: 'v2', rows: { people: 3 }, tables: { people: { added: 1, removed: 1, modified: 1 } } });
    const t = JSON.parse(ok(dir, ['show', 'HEAD:people', '--json']));
    expect(t).toMatchObject({ table: 'people', commit: c2, rows: 3, key: ['id'], time: null, chunks: 1 });
    expect(t.columns).toEqual([
      { name: 'id', type: 'int64', nulls: 0, min: '1', max: '4' },
      { name: 'name', type: 'utf8', nulls: 0, min: 'ann', max: 'dee' },
      { name: 'score', type: 'int64', nulls: 0, min: '11', max: '40' },
    ]);
    expect(t.head).toEqual([{ id: 1, name: 'ann', score: 11 }, { id: 3, name: 'cy', score: 30 }, { id: 4, name: 'dee', score: 40 }]);
    expect(t.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(dir, ['show', 'HEAD:people'])).toContain('content hash: ' + t.content_hash);
  });
});

describe('spine: content hash and dedup', () => {
  it('the content hash depends only on schema and rows, not on how they were written', () => {
    const dir = newRepo();
    const aCsv = dataFile('a.csv', 'id,v\n3,c\n1,a\n2,b\n');
    const bCsv = dataFile('b.csv', 'id,v\n1,a\n');
    const cCsv = dataFile('c.csv', 'id,v\n2,b\n3,c\n');
    ok(dir, ['import', aCsv, '--table', 'one', '--key', 'id']);
    ok(dir, ['import', bCsv, '--table', 'two', '--key', 'id']);
    ok(dir, ['import', cCsv, '--table', 'two', '--mode', 'append']);
    ok(dir, ['commit', '-m', 'x']);
    const h1 = JSON.parse(ok(dir, ['show', 'HEAD:one', '--json'])).content_hash;
    const h2 = JSON.parse(ok(dir, ['show', 'HEAD:two', '--json'])).content_hash;
    expect(h1).toBe(h2);
    const dCsv = dataFile('d.csv', 'id,v\n1,a\n2,b\n3,C\n');
    ok(dir, ['import', dCsv, '--table', 'one']);
    expect(JSON.parse(ok(dir, ['show', ':one', '--json'])).content_hash).not.toBe(h1);
  });

  it('identical data on two branches adds no chunk objects; appending 1% adds at most 3% chunk bytes', () => {
    const dir = newRepo();
    const rows = ['user_id,region,score,label'];
    for (let i = 0; i < 100_000; i++) rows.push(`${i},r${i % 17},${(i * 7919) % 10007}.5,item-${(i * 31) % 1000}`);
    const bigCsv = dataFile('big.csv', rows.join('\n') + '\n');
    ok(dir, ['import', bigCsv, '--table', 'big', '--key', 'user_id']);
    ok(dir, ['commit', '-m', 'big']);
    const objectsBefore = git(dir, ['count-objects', '-v']).stdout;
    ok(dir, ['checkout', '-b', 'copy']);
    ok(dir, ['import', bigCsv, '--table', 'big2', '--key', 'user_id']);
    ok(dir, ['import', bigCsv, '--table', 'big']);
    ok(dir, ['commit', '-m', 'same data again, under a second name too']);
    const m1 = JSON.parse(ok(dir, ['show', 'main:big', '--json']));
    const m2 = JSON.parse(ok(dir, ['show', 'copy:big2', '--json']));
    expect(m2.content_hash).toBe(m1.content_hash);
    // Only trees, a manifest-free commit and the commit itself are new: no chunk blob.
    const chunkOids = (rev: string, table: string): Set<string> =>
      new Set(git(dir, ['ls-tree', '-r', '--name-only', `${rev}:.fv/tables/${table}/chunks`]).stdout.trim().split('\n').map((p) => path.basename(p, '.arrow')));
    const c1 = chunkOids('main', 'big');
    const c2 = chunkOids('copy', 'big2');
    expect(c2).toEqual(c1);
    expect(objectsBefore).toBeTruthy();
    // append 1% new rows
    const extra: string[] = [];
    for (let i = 100_000; i < 101_000; i++) extra.push(`${i},r${i % 17},${(i * 7919) % 10007}.5,item-${(i * 31) % 1000}`);
    const extraCsv = dataFile('extra.csv', 'user_id,region,score,label\n' + extra.join('\n') + '\n');
    ok(dir, ['import', extraCsv, '--table', 'big', '--mode', 'append']);
    ok(dir, ['commit', '-m', 'append 1%']);
    const sizes = (rev: string): Map<string, number> => {
      const out = new Map<string, number>();
      for (const line of git(dir, ['ls-tree', '-r', '-l', `${rev}:.fv/tables/big/chunks`]).stdout.trim().split('\n')) {
        const [meta, name] = line.split('\t');
        out.set(path.basename(name!, '.arrow'), Number(meta!.trim().split(/\s+/)[3]));
      }
      return out;
    };
    const before = sizes('copy~1');
    const after = sizes('copy');
    let total = 0, added = 0;
    for (const [oid, size] of before) total += size;
    for (const [oid, size] of after) if (!before.has(oid)) added += size;
    expect(added / total).toBeLessThanOrEqual(0.03);
    expect(added).toBeGreaterThan(0);
    expectGitClean(dir);
  });
});

describe('spine: working with native git', () => {
  it('a git clone of an fv repository works with fv status and export', () => {
    const dir = newRepo();
    commitV1V2(dir);
    const clone = path.join(tempDir(), 'clone');
    expect(git(dir, ['clone', '-q', dir, clone]).code).toBe(0);
    const s = JSON.parse(ok(clone, ['status', '--json']));
    expect(s.tables.people.state).toBe('clean');
    expect(ok(clone, ['export', 'people', '--at', 'HEAD~1'])).toBe(V1);
    ok(clone, ['import', v1, '--table', 'people']);
    ok(clone, ['commit', '-m', 'back to v1 in the clone']);
    expect(ok(clone, ['export', 'people'])).toBe(V1);
    expectGitClean(clone, { porcelain: false });
  });

  it('a native git commit of another file is kept by later fv commits', () => {
    const dir = newRepo();
    commitV1V2(dir);
    writeFile(dir, 'NOTES.md', 'hello\n');
    expect(git(dir, ['add', 'NOTES.md']).code).toBe(0);
    expect(git(dir, ['commit', '-qm', 'notes']).code).toBe(0);
    ok(dir, ['import', v1, '--table', 'people']);
    ok(dir, ['commit', '-m', 'after notes']);
    expect(git(dir, ['show', 'HEAD:NOTES.md']).stdout).toBe('hello\n');
    expectGitClean(dir);
  });
});

describe('spine: errors', () => {
  it('commands outside a repository fail cleanly', () => {
    const dir = tempDir();
    fails(dir, ['status'], /not an fv repository/);
    fails(dir, ['commit', '-m', 'x'], /not an fv repository/);
    const repo = newRepo();
    fails(repo, ['init', '.'], /already an fv repository/);
    fails(repo, ['frobnicate'], /unknown command/);
    fails(repo, ['log', '-n', 'x'], /whole number/);
  });

  it('a second mutating process gets the lock error, and a stale lock is recovered', () => {
    const dir = newRepo();
    commitV1V2(dir);
    fs.writeFileSync(path.join(dir, '.git', 'fv.lock'), JSON.stringify({ pid: process.pid, host: require('node:os').hostname(), command: 'test', started: new Date().toISOString() }));
    fails(dir, ['import', v1, '--table', 'people'], /repository is locked by pid \d+/);
    fs.writeFileSync(path.join(dir, '.git', 'fv.lock'), JSON.stringify({ pid: 999999, host: require('node:os').hostname(), command: 'test', started: new Date().toISOString() }));
    ok(dir, ['import', v1, '--table', 'people']);
    expect(fs.existsSync(path.join(dir, '.git', 'fv.lock'))).toBe(false);
  });
});

describe('spine: reset', () => {
  it('reset moves the branch and keeps the working state; --hard also resets it', () => {
    const dir = newRepo();
    const { c1, c2 } = commitV1V2(dir);
    ok(dir, ['reset', 'HEAD~1']);
    expect(git(dir, ['rev-parse', 'main']).stdout.trim()).toBe(c1);
    // the undone commit's rows are now uncommitted changes
    let s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s.tables.people).toMatchObject({ state: 'modified', added: 1, removed: 1, modified: 1 });
    expect(ok(dir, ['export', 'people'])).toBe(V2);
    ok(dir, ['reset', '--hard', c2]);
    expect(git(dir, ['rev-parse', 'main']).stdout.trim()).toBe(c2);
    s = JSON.parse(ok(dir, ['status', '--json']));
    expect(s.tables.people.state).toBe('clean');
    ok(dir, ['import', v1, '--table', 'people']);
    ok(dir, ['reset', '--hard', 'HEAD~1']);
    expect(ok(dir, ['export', 'people'])).toBe(V1);
    expect(JSON.parse(ok(dir, ['status', '--json'])).tables.people.state).toBe('clean');
    fails(dir, ['reset', 'nope'], /unknown revision "nope"/);
    expectGitClean(dir);
  });
});
