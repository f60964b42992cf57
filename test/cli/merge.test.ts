/** `fv merge`, `fv conflicts`, `fv resolve`, `fv merge --abort`: SPEC section 3, driven through bin/fv. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, fv, git, newRepo, ok, treeState, writeFile } from '../helpers.js';

let n = 0;
/** Imports CSV text as table `t` (keyed on id unless key is '') and commits it. */
function put(dir: string, table: string, csv: string, msg: string, key = 'id'): void {
  ok(dir, ['import', dataFile(`m${n++}.csv`, csv), '--table', table, ...(key ? ['--key', key] : []), '-q']);
  ok(dir, ['commit', '-m', msg, '-q']);
}

/** base on main, then `theirs` on branch feat and `ours` on main. */
function fork(dir: string, table: string, base: string, theirs: string | null, ours: string | null, key = 'id'): void {
  put(dir, table, base, 'base', key);
  ok(dir, ['checkout', '-b', 'feat']);
  if (theirs !== null) put(dir, table, theirs, 'theirs', key);
  ok(dir, ['checkout', 'main']);
  if (ours !== null) put(dir, table, ours, 'ours', key);
}

const parents = (dir: string): string[] => git(dir, ['log', '--format=%P', '-1']).stdout.trim().split(' ');
const rev = (dir: string, r: string): string => git(dir, ['rev-parse', r]).stdout.trim();

describe('merge', () => {
  it('fast-forwards when ours is an ancestor of theirs, and is already up to date the other way', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n', 'id,v\n1,a\n2,b\n', null);
    expect(ok(dir, ['merge', 'feat'])).toBe(`Fast-forward to ${rev(dir, 'feat').slice(0, 7)}\n`);
    expect(rev(dir, 'main')).toBe(rev(dir, 'feat'));
    expect(ok(dir, ['export', 'p'])).toBe('id,v\n1,a\n2,b\n');
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ branch: 'main', merging: false, conflicts: 0, tables: { p: { state: 'clean' } } });
    expectGitClean(dir);
    put(dir, 'p', 'id,v\n1,a\n2,b\n3,c\n', 'more');
    expect(ok(dir, ['merge', 'feat'])).toBe('Already up to date.\n');
    expect(parents(dir)).toHaveLength(1);
    expectGitClean(dir);
  });

  it('merges changes to different cells of one row and to different rows, with a two-parent commit', () => {
    const dir = newRepo();
    fork(dir, 'p',
      'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n4,dee,40\n',
      // theirs: score of 1, delete 3, insert 5
      'id,name,score\n1,ann,11\n2,bob,20\n4,dee,40\n5,eve,50\n',
      // ours: name of 1, score of 2, delete 4 (unchanged on theirs)
      'id,name,score\n1,ANN,10\n2,bob,22\n3,cy,30\n');
    const ours = rev(dir, 'main');
    expect(ok(dir, ['merge', 'feat'])).toMatch(/^Merge made: [0-9a-f]{7}\n$/);
    expect(ok(dir, ['export', 'p'])).toBe('id,name,score\n1,ANN,11\n2,bob,22\n5,eve,50\n');
    expect(parents(dir)).toEqual([ours, rev(dir, 'feat')]);
    expect(git(dir, ['log', '--format=%s', '-1']).stdout).toBe("Merge branch 'feat'\n");
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: false, conflicts: 0, tables: { p: { state: 'clean', rows: 3 } } });
    expectGitClean(dir);
  });

  it('adds a column added on one side, with nulls for rows the other side added', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n2,b\n', 'id,v,w\n1,a,x\n2,b,y\n', 'id,v\n1,a\n2,B\n3,c\n');
    ok(dir, ['merge', 'feat', '-m', 'take w']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v,w\n1,a,x\n2,B,y\n3,c,\n');
    expect(git(dir, ['log', '--format=%s', '-1']).stdout).toBe('take w\n');
    expectGitClean(dir);
  });

  it('stops on conflicts: exit 1, conflicts listed, status merging, abort restores exactly; resolve then commit', () => {
    const dir = newRepo();
    fork(dir, 'p',
      'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n',
      'id,name,score\n1,ann,12\n2,bob,21\n3,cy,30\n4,dee,40\n',
      'id,name,score\n1,ann,13\n3,cy,31\n4,dee,44\n');
    const ours = rev(dir, 'main');
    const before = fs.readFileSync(path.join(dir, '.git/fv/working.json'), 'utf8');
    const r = fv(dir, ['merge', 'feat']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CONFLICT (cell) p [1] score: base 10, ours 13, theirs 12');
    expect(r.stdout).toContain('Automatic merge failed: 3 conflicts');
    const expected = [
      { table: 'p', kind: 'cell', key: [1], column: 'score', base: 10, ours: 13, theirs: 12 },
      { table: 'p', kind: 'row', key: [2], column: null, base: { id: 2, name: 'bob', score: 20 }, ours: null, theirs: { id: 2, name: 'bob', score: 21 } },
      { table: 'p', kind: 'cell', key: [4], column: 'score', base: null, ours: 44, theirs: 40 },
    ];
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual(expected);
    expect(JSON.parse(ok(dir, ['conflicts', 'p', '--json']))).toEqual(expected);
    expect(JSON.parse(ok(dir, ['conflicts', 'q', '--json']))).toEqual([]);
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: true, conflicts: 3 });
    expect(ok(dir, ['status'])).toContain('Merging feat: 3 unresolved conflicts');
    // clean cells are merged, conflicting ones hold ours
    expect(ok(dir, ['export', 'p'])).toBe('id,name,score\n1,ann,13\n3,cy,31\n4,dee,44\n');
    expect(rev(dir, 'main')).toBe(ours);
    fails(dir, ['commit', '-m', 'x'], /3 merge conflicts not resolved/);
    fails(dir, ['checkout', 'feat'], /merge of feat is in progress/);
    fails(dir, ['merge', 'feat'], /merge of feat is in progress/);

    ok(dir, ['merge', '--abort']);
    expect(fs.readFileSync(path.join(dir, '.git/fv/working.json'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(dir, '.git/fv/merge.json'))).toBe(false);
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: false, conflicts: 0, tables: { p: { state: 'clean' } } });
    fails(dir, ['merge', '--abort'], /no merge to abort/);
    expectGitClean(dir);

    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    expect(ok(dir, ['resolve', 'p', '--theirs', '--key', '1'])).toBe('Resolved 1 conflict in p; 2 left\n');
    expect(ok(dir, ['export', 'p'])).toBe('id,name,score\n1,ann,12\n3,cy,31\n4,dee,44\n');
    ok(dir, ['resolve', 'p', '--theirs', '--key', '2']);
    expect(ok(dir, ['export', 'p'])).toBe('id,name,score\n1,ann,12\n2,bob,21\n3,cy,31\n4,dee,44\n');
    fails(dir, ['resolve', 'p', '--ours', '--key', '9'], /no open conflicts in p for key 9/);
    expect(ok(dir, ['resolve', 'p', '--ours'])).toBe('Resolved 1 conflict in p; 0 left (`fv commit` to record the merge)\n');
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: true, conflicts: 0 });
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([]);
    expect(ok(dir, ['commit'])).toMatch(/^\[main [0-9a-f]{7}\] Merge branch 'feat'\n/);
    expect(parents(dir)).toEqual([ours, rev(dir, 'feat')]);
    expect(ok(dir, ['export', 'p', '--at', 'HEAD'])).toBe('id,name,score\n1,ann,12\n2,bob,21\n3,cy,31\n4,dee,44\n');
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: false, conflicts: 0 });
    expectGitClean(dir);
  });

  it('--strategy theirs resolves every conflict their way and commits', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v,w\n1,a,x\n2,b,y\n', 'id,v,w\n1,A1,x\n2,b,Y\n', 'id,v,w\n1,A2,X\n2,b,y\n');
    const r = fv(dir, ['merge', 'feat', '--strategy', 'theirs']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('resolved 1 conflict taking theirs\n');
    expect(ok(dir, ['export', 'p'])).toBe('id,v,w\n1,A1,X\n2,b,Y\n');
    expect(parents(dir)).toHaveLength(2);
    expectGitClean(dir);
  });

  it('--no-commit leaves a clean merge in progress for fv commit', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n', 'id,v\n1,a\n2,b\n', 'id,v\n0,z\n1,a\n');
    ok(dir, ['merge', 'feat', '--no-commit']);
    expect(JSON.parse(ok(dir, ['status', '--json']))).toMatchObject({ merging: true, conflicts: 0, tables: { p: { state: 'modified', added: 1 } } });
    ok(dir, ['commit', '-m', 'merged by hand']);
    expect(parents(dir)).toHaveLength(2);
    expect(ok(dir, ['export', 'p'])).toBe('id,v\n0,z\n1,a\n2,b\n');
    expectGitClean(dir);
  });

  it('refuses to merge over uncommitted changes, leaving everything as it was', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n', 'id,v\n1,b\n', 'id,v\n1,a\n2,c\n');
    // without an author the merge commit cannot be made: nothing changes at all
    const before = treeState(dir);
    const noAuthor = { GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined, GIT_COMMITTER_NAME: undefined, GIT_COMMITTER_EMAIL: undefined };
    fails(dir, ['merge', 'feat'], /author/i, { env: noAuthor });
    expect(treeState(dir)).toEqual(before);
    ok(dir, ['import', dataFile('dirty.csv', 'id,v\n1,q\n'), '--table', 'p', '-q']);
    fails(dir, ['merge', 'feat'], /uncommitted changes to table p/);
    fails(dir, ['merge', 'nope'], /unknown revision/);
    expect(fs.existsSync(path.join(dir, '.git/fv/merge.json'))).toBe(false);
  });

  it('merges tables added, removed and changed whole on one side, and reports a table deleted against a change', () => {
    const dir = newRepo();
    put(dir, 'keep', 'id,v\n1,a\n', 'keep');
    put(dir, 'gone', 'id,v\n1,a\n', 'gone');
    put(dir, 'clash', 'id,v\n1,a\n', 'clash');
    ok(dir, ['checkout', '-b', 'feat']);
    put(dir, 'added', 'id,v\n9,z\n', 'added');
    put(dir, 'keep', 'id,v\n1,b\n', 'keep2');
    put(dir, 'clash', 'id,v\n1,c\n', 'clash2');
    ok(dir, ['checkout', 'main']);
    // ours drops "gone" and "clash" (theirs changed clash)
    ok(dir, ['checkout', 'HEAD~2', '--', 'gone', 'clash']);
    ok(dir, ['commit', '-m', 'drop', '-q']);
    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([
      { table: 'clash', kind: 'table', key: [], column: null, base: expect.objectContaining({ rows: 1 }), ours: null, theirs: expect.objectContaining({ rows: 1 }) },
    ]);
    ok(dir, ['resolve', 'clash', '--theirs']);
    ok(dir, ['commit']);
    expect(ok(dir, ['export', 'clash'])).toBe('id,v\n1,c\n');
    expect(ok(dir, ['export', 'keep'])).toBe('id,v\n1,b\n');
    expect(ok(dir, ['export', 'added'])).toBe('id,v\n9,z\n');
    expect(Object.keys(JSON.parse(ok(dir, ['status', '--json'])).tables).sort()).toEqual(['added', 'clash', 'keep']);
    expectGitClean(dir);
  });

  it('reports a column added on both sides with different types as a schema conflict, resolved whole', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n', 'id,v,w\n1,a,1\n', 'id,v,w\n1,a,x\n');
    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([{ table: 'p', kind: 'schema', key: [], column: 'w', base: null, ours: 'utf8', theirs: 'int64' }]);
    ok(dir, ['resolve', 'p', '--theirs']);
    ok(dir, ['commit']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v,w\n1,a,1\n');
    expectGitClean(dir);
  });

  it('merges definitions key by key, with a conflict on a key changed differently', () => {
    const dir = newRepo();
    const defs = (o: unknown): string => JSON.stringify(o, null, 2) + '\n';
    // Valid definitions (fv validates features.json at commit): source s reads a table that does not exist yet.
    const sources = { s: { table: 'stats', entities: ['user'], event_time: 'ts' } };
    const base = { entities: { user: { keys: ['user_id'] } }, sources, features: { a: { source: 's', column: 'a' } } };
    writeFile(dir, 'features.json', defs(base));
    put(dir, 'p', 'id,v\n1,a\n', 'base');
    ok(dir, ['checkout', '-b', 'feat']);
    writeFile(dir, 'features.json', defs({ ...base, features: { a: { source: 's', column: 'a2' }, b: { source: 's', column: 'b' } } }));
    ok(dir, ['commit', '-m', 'theirs', '-q']);
    ok(dir, ['checkout', 'main']);
    writeFile(dir, 'features.json', defs({ ...base, entities: { user: { keys: ['uid'] } }, features: { a: { source: 's', column: 'a3' } } }));
    ok(dir, ['commit', '-m', 'ours', '-q']);
    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([
      { table: 'features.json', kind: 'definitions', key: ['features', 'a', 'column'], column: null, base: 'a', ours: 'a3', theirs: 'a2' },
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'features.json'), 'utf8'))).toEqual({ entities: { user: { keys: ['uid'] } }, sources, features: { a: { source: 's', column: 'a3' }, b: { source: 's', column: 'b' } } });
    ok(dir, ['resolve', 'features.json', '--theirs', '--key', 'features.a.column']);
    ok(dir, ['commit']);
    expect(JSON.parse(git(dir, ['show', 'HEAD:features.json']).stdout)).toEqual({ entities: { user: { keys: ['uid'] } }, sources, features: { a: { source: 's', column: 'a2' }, b: { source: 's', column: 'b' } } });
    expectGitClean(dir);
  });

  it('merges unkeyed tables as multisets of rows', () => {
    const dir = newRepo();
    fork(dir, 'u', 'a,b\nx,1\nx,1\ny,2\n', 'a,b\nx,1\ny,2\nz,3\n', 'a,b\nx,1\nx,1\nx,1\ny,2\n', '');
    ok(dir, ['merge', 'feat']);
    // base {x,x,y}; theirs removed one x and added z; ours added one x: {x,x,y,z}
    expect(ok(dir, ['export', 'u'])).toBe('a,b\nx,1\nx,1\ny,2\nz,3\n');
    expect(parents(dir)).toHaveLength(2);
    expectGitClean(dir);
  });

  it('keeps exact values in conflicts (int64 beyond 2^53, decimals) and resolves a deleted-vs-modified row ours', () => {
    const dir = newRepo();
    const types = ['--types', 'amt:decimal(10, 2)'];
    ok(dir, ['import', dataFile('big0.csv', 'id,big,amt\n1,9007199254740993,1.50\n2,5,2.00\n'), '--table', 'p', '--key', 'id', ...types, '-q']);
    ok(dir, ['commit', '-m', 'base', '-q']);
    ok(dir, ['checkout', '-b', 'feat']);
    ok(dir, ['import', dataFile('big1.csv', 'id,big,amt\n1,9007199254740995,1.75\n2,6,2.00\n'), '--table', 'p', ...types, '-q']);
    ok(dir, ['commit', '-m', 'theirs', '-q']);
    ok(dir, ['checkout', 'main']);
    ok(dir, ['import', dataFile('big2.csv', 'id,big,amt\n1,9007199254740997,1.25\n'), '--table', 'p', ...types, '-q']);
    ok(dir, ['commit', '-m', 'ours', '-q']);
    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    const text = ok(dir, ['conflicts', '--json']);
    expect(text).toContain('"base": 9007199254740993');
    expect(text).toContain('"ours": 9007199254740997');
    expect(text).toContain('"theirs": 9007199254740995');
    expect(text).toContain('"theirs": 1.75');
    expect(JSON.parse(text).map((c: { key: unknown; kind: string; column: string | null }) => [c.key, c.kind, c.column])).toEqual([[[1], 'cell', 'big'], [[1], 'cell', 'amt'], [[2], 'row', null]]);
    ok(dir, ['resolve', 'p', '--ours', '--key', '2']);
    ok(dir, ['resolve', 'p', '--theirs']);
    expect(ok(dir, ['export', 'p'])).toBe('id,big,amt\n1,9007199254740995,1.75\n');
    ok(dir, ['commit', '-m', 'merged']);
    expect(git(dir, ['log', '--format=%s', '-1']).stdout).toBe('merged\n');
    expect(parents(dir)).toHaveLength(2);
    expectGitClean(dir);
  });

  it('reports a column retyped on one side and changed on the other as a schema conflict', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,10\n2,20\n', 'id,v\n1,10.5\n2,20.0\n', 'id,v\n1,11\n2,20\n');
    expect(fv(dir, ['merge', 'feat']).code).toBe(1);
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([{ table: 'p', kind: 'schema', key: [], column: 'v', base: 'int64', ours: 'int64', theirs: 'float64' }]);
    ok(dir, ['merge', '--abort']);
    // retyped on one side, untouched on the other: the retype is taken
    ok(dir, ['checkout', '-b', 'other', 'HEAD~1']);
    put(dir, 'q', 'id,w\n1,x\n', 'other table');
    ok(dir, ['merge', 'feat']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v\n1,10.5\n2,20.0\n');
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([]);
    expectGitClean(dir);
  });

  it('takes a retype from one side together with cell changes from the other', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v,w\n1,10,a\n2,20,b\n', 'id,v,w\n1,10.5,a\n2,20.0,b\n', 'id,v,w\n1,10,A\n2,20,b\n');
    ok(dir, ['merge', 'feat']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v,w\n1,10.5,A\n2,20.0,b\n');
    expect(JSON.parse(ok(dir, ['show', ':p', '--json'])).columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['id:int64', 'v:float64', 'w:utf8']);
    expectGitClean(dir);
  });
});

describe('merge: more rules', () => {
  it('takes the same change made on both sides cleanly, and the same row inserted on both sides once', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v,w\n1,a,x\n2,b,y\n', 'id,v,w\n1,A,x\n2,b,y\n3,c,z\n', 'id,v,w\n1,A,x\n2,b,Y\n3,c,z\n');
    ok(dir, ['merge', 'feat']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v,w\n1,A,x\n2,b,Y\n3,c,z\n');
    expect(parents(dir)).toHaveLength(2);
    expect(git(dir, ['log', '--graph', '--format=%s']).stdout).toContain("Merge branch 'feat'");
    expectGitClean(dir);
  });

  it('--strategy ours keeps our side of every conflict', () => {
    const dir = newRepo();
    fork(dir, 'p', 'id,v\n1,a\n2,b\n', 'id,v\n1,T\n2,b\n', 'id,v\n1,O\n2,B\n');
    ok(dir, ['merge', 'feat', '--strategy', 'ours']);
    expect(ok(dir, ['export', 'p'])).toBe('id,v\n1,O\n2,B\n');
    expect(parents(dir)).toHaveLength(2);
    expectGitClean(dir);
  });

  it('refuses an unknown branch and a bad strategy without changing anything', () => {
    const dir = newRepo();
    put(dir, 'p', 'id,v\n1,a\n', 'base');
    const before = treeState(dir);
    fails(dir, ['merge', 'nope'], /unknown revision "nope"/);
    fails(dir, ['merge', 'main', '--strategy', 'mine'], /--strategy must be ours or theirs/);
    expect(treeState(dir)).toEqual(before);
  });
});
