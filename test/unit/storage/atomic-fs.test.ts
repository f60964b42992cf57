import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicFsForGit, fsyncPaths, writeFileAtomic } from '../../../src/storage/atomic-fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
function nativeGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' });
}

async function tempLeftovers(d: string): Promise<string[]> {
  return (await readdir(d, { recursive: true })).filter((n) => n.includes('.tmp-'));
}

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replacing an existing file by rename', async () => {
    const p = join(dir, 'f.txt');
    await writeFileAtomic(p, 'hello ü');
    expect(await readFile(p, 'utf8')).toBe('hello ü');
    const inoBefore = (await stat(p)).ino;
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]), { fsync: false });
    expect([...(await readFile(p))]).toEqual([1, 2, 3]);
    // A new inode shows the old file was replaced, not truncated and rewritten in place.
    expect((await stat(p)).ino).not.toBe(inoBefore);
    expect(await tempLeftovers(dir)).toEqual([]);
  });

  it('applies mode', async () => {
    const p = join(dir, 'secret');
    await writeFileAtomic(p, 'x', { mode: 0o600 });
    expect((await stat(p)).mode & 0o777).toBe(0o600);
  });

  it('rethrows and leaves no temp file when the rename fails', async () => {
    const target = join(dir, 'busy');
    fs.mkdirSync(target);
    await writeFile(join(target, 'child'), 'keep');
    await expect(writeFileAtomic(target, 'data')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(await tempLeftovers(dir)).toEqual([]);
    expect(await readFile(join(target, 'child'), 'utf8')).toBe('keep');
  });

  it('keeps the errno code of a missing directory (isomorphic-git relies on it to mkdir and retry)', async () => {
    await expect(writeFileAtomic(join(dir, 'no', 'such', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('fsyncPaths', () => {
  it('syncs files and directories, skipping paths that are gone', async () => {
    const a = join(dir, 'a');
    await writeFile(a, 'a');
    fs.mkdirSync(join(dir, 'sub'));
    await fsyncPaths([a, a, join(dir, 'sub')]);
    await fsyncPaths([]);
    await fsyncPaths([join(dir, 'missing'), join(dir, 'gone', 'too')]);
  });
});

describe('atomicFsForGit', () => {
  it('is accepted by isomorphic-git and produces a repository native git verifies', async () => {
    const fsRefs = atomicFsForGit();
    const fsObjects = atomicFsForGit({ fsync: false });
    await git.init({ fs: fsRefs, dir, defaultBranch: 'main' });
    const blob = await git.writeBlob({ fs: fsObjects, dir, blob: new TextEncoder().encode('a,b\n1,2\n') });
    const tree = await git.writeTree({ fs: fsObjects, dir, tree: [{ mode: '100644', path: 'data.csv', oid: blob, type: 'blob' }] });
    const author = { name: 'T', email: 't@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
    const commit = await git.writeCommit({ fs: fsObjects, dir, commit: { message: 'm\n', tree, parent: [], author, committer: author } });

    // Batch durability: every loose object and new fan-out dir was remembered, then flushed before the ref.
    const pending = fsObjects.takeUnsynced();
    for (const oid of [blob, tree, commit]) {
      expect(pending).toContain(join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
      expect(pending).toContain(join(dir, '.git', 'objects', oid.slice(0, 2)));
    }
    await fsyncPaths(pending);
    expect(fsObjects.takeUnsynced()).toEqual([]);
    await git.writeRef({ fs: fsRefs, dir, ref: 'refs/heads/main', value: commit, force: true });
    expect(fsRefs.takeUnsynced()).toEqual([]); // fsync:true syncs as it goes

    expect(nativeGit(dir, 'rev-parse', 'HEAD').trim()).toBe(commit);
    expect(nativeGit(dir, 'cat-file', '-p', `${commit}:data.csv`)).toBe('a,b\n1,2\n');
    nativeGit(dir, 'fsck', '--full', '--strict');
    expect(await tempLeftovers(join(dir, '.git'))).toEqual([]);
    expect(await git.resolveRef({ fs: fsObjects, dir, ref: 'HEAD' })).toBe(commit);
  });

  it('flush() syncs what was written without fsync', async () => {
    const f = atomicFsForGit({ fsync: false });
    await f.promises.writeFile(join(dir, 'x'), 'x', 'utf8');
    await f.promises.mkdir(join(dir, 'd1', 'd2'), { recursive: true });
    expect(f.takeUnsynced().sort()).toEqual([join(dir, 'd1'), join(dir, 'd1', 'd2'), join(dir, 'x')]);
    await f.promises.writeFile(join(dir, 'y'), 'y', { mode: 0o600 });
    await f.flush();
    expect(f.takeUnsynced()).toEqual([]);
    expect((await stat(join(dir, 'y'))).mode & 0o777).toBe(0o600);
  });
});
