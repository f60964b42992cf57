/**
 * `fv gc`: removes exactly the loose objects nothing reaches (native git's
 * fsck is the independent judge), keeps what the working state and lock
 * files need, honours the grace period, and never races a concurrent commit.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTHOR_ENV, dataFile, expectGitClean, FV, fails, fv, git, newRepo, ok, treeState } from '../helpers.js';

const NOW = { env: { FV_GC_GRACE: 'PT0S' } };

/** Loose object ids, as native git lays them out. */
function looseObjects(dir: string): Set<string> {
  const out = new Set<string>();
  const objects = path.join(dir, '.git', 'objects');
  for (const fan of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    for (const f of fs.readdirSync(path.join(objects, fan))) out.add(fan + f);
  }
  return out;
}

/** What native git calls unreachable (refs, index and reflogs as roots). */
function fsckUnreachable(dir: string): Set<string> {
  const r = git(dir, ['fsck', '--unreachable', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  return new Set([...r.stdout.matchAll(/^unreachable \w+ ([0-9a-f]{40})$/gm)].map((m) => m[1]!));
}

/** The working state's manifests and their chunks: what fv still needs though no ref reaches it. */
function workingObjects(dir: string): Set<string> {
  const ws = JSON.parse(fs.readFileSync(path.join(dir, '.git', 'fv', 'working.json'), 'utf8')) as { tables: Record<string, string> };
  const out = new Set<string>();
  for (const m of Object.values(ws.tables)) {
    out.add(m);
    const manifest = JSON.parse(git(dir, ['cat-file', 'blob', m]).stdout) as { chunks: Array<{ oid: string }> };
    for (const c of manifest.chunks) out.add(c.oid);
  }
  return out;
}

const csv = (rows: Array<[number, number]>): string => 'id,v\n' + rows.map(([a, b]) => `${a},${b}`).join('\n') + '\n';

describe('gc', () => {
  it('removes exactly the unreachable loose objects after abandoned imports and keeps the working state', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gc1.csv', csv([[1, 10], [2, 20]])), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('gc2.csv', csv([[1, 11], [2, 21], [3, 31]])), '--table', 't']); // abandoned
    ok(dir, ['import', dataFile('gc3.csv', csv([[1, 12], [5, 50], [6, 60], [7, 70]])), '--table', 't']); // abandoned
    ok(dir, ['import', dataFile('gc4.csv', csv([[9, 90]])), '--table', 't']); // the working state
    const keep = workingObjects(dir);
    const unreachable = fsckUnreachable(dir);
    for (const o of keep) expect(unreachable.has(o)).toBe(true); // no ref reaches the working state yet
    const expected = [...unreachable].filter((o) => !keep.has(o)).sort();
    expect(expected.length).toBeGreaterThanOrEqual(4); // two abandoned manifests and their chunks

    // The default grace period keeps these fresh objects.
    const young = JSON.parse(ok(dir, ['gc', '--json']));
    expect(young).toMatchObject({ removed: [], bytes: 0, young: expected.length, grace: 'PT1H' });

    const before = treeState(dir);
    const dry = JSON.parse(ok(dir, ['gc', '--dry-run', '--json'], NOW));
    expect(treeState(dir)).toEqual(before); // a dry run changes nothing
    expect(dry.removed.map((o: { oid: string }) => o.oid)).toEqual(expected);
    const sizes = expected.map((o) => fs.statSync(path.join(dir, '.git', 'objects', o.slice(0, 2), o.slice(2))).size);
    expect(dry.removed.map((o: { bytes: number }) => o.bytes)).toEqual(sizes);
    expect(dry.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(dry.removed.map((o: { type: string }) => o.type).every((t: string) => t === 'blob')).toBe(true);
    const text = ok(dir, ['gc', '--dry-run'], NOW);
    expect(text).toContain(`would remove ${expected.length} unreachable loose objects (${dry.bytes} bytes)`);
    expect(text).toContain(`  ${expected[0]}  blob   ${sizes[0]}`);

    const loose = looseObjects(dir);
    expect(JSON.parse(ok(dir, ['gc', '--json'], NOW)).removed.length).toBe(expected.length);
    expect([...looseObjects(dir)].sort()).toEqual([...loose].filter((o) => !expected.includes(o)).sort());
    expect([...fsckUnreachable(dir)].sort()).toEqual([...keep].sort());
    expectGitClean(dir);
    // everything still works: the commit exports, the working state commits
    expect(ok(dir, ['export', 't', '--at', 'HEAD'])).toBe(csv([[1, 10], [2, 20]]));
    expect(ok(dir, ['export', 't'])).toBe(csv([[9, 90]]));
    ok(dir, ['commit', '-m', 'two']);
    expect(ok(dir, ['export', 't', '--at', 'HEAD'])).toBe(csv([[9, 90]]));
    expect(JSON.parse(ok(dir, ['gc', '--json'], NOW)).removed).toEqual([]); // nothing left to remove
    expectGitClean(dir);
  }, 240_000);

  it('keeps what lock files, tags and remote-tracking refs reach', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gl1.csv', csv([[1, 1]])), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    const rounds: Array<[string, string]> = [];
    for (const [i, name] of [[2, 'locked'], [3, 'tagged'], [4, 'remote']] as const) {
      ok(dir, ['import', dataFile(`gl${i}.csv`, csv([[1, i], [i, i]])), '--table', 't']);
      ok(dir, ['commit', '-m', name]);
      rounds.push([name, git(dir, ['rev-parse', 'HEAD']).stdout.trim()]);
      ok(dir, ['reset', '--hard', 'HEAD~1']); // the commit is now off every branch
    }
    const [locked, tagged, remote] = rounds.map(([, c]) => c) as [string, string, string];
    fs.mkdirSync(path.join(dir, 'sets'));
    fs.writeFileSync(path.join(dir, 'sets', 'train.lock.json'), JSON.stringify({ fv_format: 1, training_set: 'train', commit: locked }) + '\n');
    expect(git(dir, ['tag', 'keep', tagged]).code).toBe(0);
    expect(git(dir, ['update-ref', 'refs/remotes/origin/main', remote]).code).toBe(0);
    ok(dir, ['gc'], NOW);
    expectGitClean(dir, { porcelain: false });
    for (const [i, c] of [[2, locked], [3, tagged], [4, remote]] as const) expect(ok(dir, ['export', 't', '--at', c])).toBe(csv([[1, i], [i, i]]));
    // Without the lock file, its commit (and only its own objects) go.
    const reachableBefore = fsckUnreachable(dir);
    expect(reachableBefore.has(locked)).toBe(true);
    fs.rmSync(path.join(dir, 'sets', 'train.lock.json'));
    const gone = JSON.parse(ok(dir, ['gc', '--json'], NOW)).removed.map((o: { oid: string }) => o.oid);
    expect(gone).toContain(locked);
    expect(gone.sort()).toEqual([...reachableBefore].sort());
    expect(fsckUnreachable(dir).size).toBe(0);
    expect(ok(dir, ['export', 't', '--at', 'keep'])).toBe(csv([[1, 3], [3, 3]]));
    expectGitClean(dir, { porcelain: false });
  }, 240_000);

  it('keeps a merge in progress: the merged commit of a deleted branch survives until the merge is committed', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gm0.csv', csv([[1, 1], [2, 2]])), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    ok(dir, ['checkout', '-b', 'side']);
    ok(dir, ['import', dataFile('gm1.csv', csv([[1, 10], [2, 2]])), '--table', 't']);
    ok(dir, ['commit', '-m', 'side']);
    const side = git(dir, ['rev-parse', 'HEAD']).stdout.trim();
    ok(dir, ['checkout', 'main']);
    ok(dir, ['import', dataFile('gm2.csv', csv([[1, 20], [2, 2]])), '--table', 't']);
    ok(dir, ['commit', '-m', 'main']);
    ok(dir, ['branch', '-d', 'side']);
    expect(fv(dir, ['merge', side]).code).toBe(1); // a conflict: the merge stays in progress
    expect(fsckUnreachable(dir).has(side)).toBe(true); // only .git/fv/merge.json names it
    expect(JSON.parse(ok(dir, ['gc', '--json'], NOW)).removed).toEqual([]);
    ok(dir, ['resolve', 't', '--theirs']);
    ok(dir, ['commit', '-m', 'merged']);
    expect(git(dir, ['rev-parse', 'HEAD^2']).stdout.trim()).toBe(side);
    expect(ok(dir, ['export', 't', '--at', side])).toBe(csv([[1, 10], [2, 2]]));
    expect(ok(dir, ['export', 't'])).toBe(csv([[1, 10], [2, 2]]));
    expectGitClean(dir, { porcelain: false });
  }, 240_000);

  it('removes nothing when a reachable object is unreadable', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gx1.csv', csv([[1, 1]])), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('gx2.csv', csv([[1, 2]])), '--table', 't']);
    ok(dir, ['import', dataFile('gx3.csv', csv([[1, 3]])), '--table', 't']); // gx2's objects are garbage
    const tree = git(dir, ['rev-parse', 'HEAD^{tree}']).stdout.trim();
    const file = path.join(dir, '.git', 'objects', tree.slice(0, 2), tree.slice(2));
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, 'not zlib');
    const before = treeState(dir);
    fails(dir, ['gc'], new RegExp(`cannot read git object ${tree} .*; gc removed nothing$`), NOW);
    expect(treeState(dir)).toEqual(before);
  }, 120_000);

  it('rejects a bad grace period with exit 2 and changes nothing', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gb.csv', csv([[1, 1]])), '--table', 't', '--key', 'id']);
    const before = treeState(dir);
    fails(dir, ['gc', '--grace', '1h'], /gc grace period "1h": expected an ISO-8601 duration/);
    fails(dir, ['gc'], /gc grace period "soon"/, { env: { FV_GC_GRACE: 'soon' } });
    expect(treeState(dir)).toEqual(before);
  }, 120_000);

  it('never removes a concurrent commit\'s objects', async () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gcc0.csv', csv([[0, 0]])), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'round 0']);
    const ROUNDS = 5;
    const files = Array.from({ length: ROUNDS }, (_, i) => dataFile(`gcc${i + 1}.csv`, csv(Array.from({ length: 50 + i }, (_, k) => [k, k * (i + 1)] as [number, number]))));
    // Both sides wait for the lock instead of failing with "locked".
    const env = { ...process.env, ...AUTHOR_ENV, NO_COLOR: '1', HOME: dir, FV_LOCK_TIMEOUT_MS: '60000', FV_GC_GRACE: 'PT0S' };
    // Each round first imports a batch it then abandons, so gc has real work while commits land.
    const abandoned = files.map((_, i) => dataFile(`gcx${i + 1}.csv`, csv([[1000 + i, i]])));
    const script = files.map((f, i) => `"$NODE" "$FV" import "${abandoned[i]}" --table t && "$NODE" "$FV" import "${f}" --table t && "$NODE" "$FV" commit -q -m "round ${i + 1}" || exit 1`).join('\n');
    const writer = spawn('sh', ['-c', script], { cwd: dir, env: { ...env, NODE: process.execPath, FV }, stdio: ['ignore', 'ignore', 'pipe'] });
    let writerErr = '';
    writer.stderr.on('data', (b: Buffer) => (writerErr += b.toString()));
    const done = new Promise<number>((resolve) => writer.on('exit', (code) => resolve(code ?? -1)));
    let gcs = 0, removed = 0;
    while (writer.exitCode === null) {
      const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, [FV, 'gc', '--json'], { cwd: dir, env });
        let out = '', err = '';
        p.stdout.on('data', (b: Buffer) => (out += b.toString()));
        p.stderr.on('data', (b: Buffer) => (err += b.toString()));
        p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
      });
      expect(r.code, r.err).toBe(0);
      removed += JSON.parse(r.out).removed.length;
      gcs++;
    }
    expect(await done, writerErr).toBe(0);
    expect(gcs).toBeGreaterThan(1);
    removed += JSON.parse(ok(dir, ['gc', '--json'], NOW)).removed.length;
    // every abandoned batch (a manifest and a chunk each) went, and nothing else is left unreachable
    expect(removed).toBeGreaterThanOrEqual(2 * ROUNDS);
    expect(fsckUnreachable(dir).size).toBe(0);
    expectGitClean(dir, { porcelain: false });
    const commits = git(dir, ['rev-list', 'main']).stdout.trim().split('\n');
    expect(commits.length).toBe(ROUNDS + 1);
    commits.forEach((c, n) => {
      const round = ROUNDS - n;
      const want = round === 0 ? csv([[0, 0]]) : csv(Array.from({ length: 50 + round - 1 }, (_, k) => [k, k * round] as [number, number]));
      expect(ok(dir, ['export', 't', '--at', c])).toBe(want);
    });
  }, 180_000);
});
