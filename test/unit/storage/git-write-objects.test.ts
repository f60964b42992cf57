/**
 * GitRepo writes blobs and trees itself (not through isomorphic-git): native
 * git checks the ids, the tree encoding and that existing objects are seen.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo, type TreeEntry } from '../../../src/storage/git.js';

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-objects-'));
  git('init', '-q', '-b', 'main');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' });
}

function gitInput(input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8', input }).trim();
}

function objectFile(oid: string): string {
  return join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
}

describe('GitRepo object writes', () => {
  it('writes trees with the id and bytes git gives them (git sort order, modes without leading zeros)', async () => {
    const repo = new GitRepo(dir);
    const a = await repo.writeBlob(Buffer.from('a\n'));
    const b = await repo.writeBlob(Buffer.from('b\n'));
    const sub = await repo.writeTree([{ mode: '100644', path: 'x', oid: a, type: 'blob' }]);
    // "a" as a tree sorts as "a/", after "a.b" and "a-b" but before "a0"; given out of order on purpose.
    const entries: TreeEntry[] = [
      { mode: '100644', path: 'a0', oid: b, type: 'blob' },
      { mode: '040000', path: 'a', oid: sub, type: 'tree' },
      { mode: '100755', path: 'a.b', oid: a, type: 'blob' },
      { mode: '100644', path: 'a-b', oid: b, type: 'blob' },
      { mode: '100644', path: 'é', oid: a, type: 'blob' },
    ];
    const oid = await repo.writeTree(entries);
    await repo.flushObjects();
    const mktree = gitInput(
      [`100644 blob ${b}\ta0`, `040000 tree ${sub}\ta`, `100755 blob ${a}\ta.b`, `100644 blob ${b}\ta-b`, `100644 blob ${a}\té`].join('\n') + '\n',
      'mktree',
    );
    expect(oid).toBe(mktree);
    expect(git('ls-tree', oid).split('\n').filter(Boolean).map((l) => l.split('\t')[1])).toEqual(['a-b', 'a.b', 'a', 'a0', '"\\303\\251"']);
    git('fsck', '--full', '--strict', '--no-dangling');
  });

  it('writes the empty tree under its well-known id', async () => {
    const repo = new GitRepo(dir);
    expect(await repo.writeTree([])).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    git('fsck', '--full', '--strict', '--no-dangling');
  });

  it('sees a loose object that already exists and does not count it as its own', async () => {
    const existing = gitInput('hello\n', 'hash-object', '-w', '--stdin');
    const repo = new GitRepo(dir);
    repo.checkpoint();
    expect(await repo.writeBlob(Buffer.from('hello\n'))).toBe(existing);
    const mine = await repo.writeBlob(Buffer.from('new\n'));
    await repo.flushObjects();
    expect(existsSync(objectFile(mine))).toBe(true);
    await repo.discardCreatedObjects();
    // Only the object this command created is taken back.
    expect(existsSync(objectFile(existing))).toBe(true);
    expect(existsSync(objectFile(mine))).toBe(false);
    // The listing is forgotten with the objects: writing again recreates the file.
    expect(await repo.writeBlob(Buffer.from('new\n'))).toBe(mine);
    await repo.flushObjects();
    expect(existsSync(objectFile(mine))).toBe(true);
    expect(git('cat-file', '-p', mine)).toBe('new\n');
    git('fsck', '--full', '--strict', '--no-dangling');
  });
});
