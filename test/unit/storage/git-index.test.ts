import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeIndex, encodeIndex, writeIndexAtomic, type IndexEntry } from '../../../src/storage/git-index.js';
import { isolatedGitEnv } from '../../helpers.js';

const gitEnv = isolatedGitEnv();

let repo: string;
let gitdir: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'fv-index-'));
  gitdir = join(repo, '.git');
  git('init', '-q', '-b', 'main');
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });
}
function gitInput(input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8', input });
}
const zsplit = (s: string) => s.split('\0').filter((x) => x !== '');

const OID = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'; // empty blob

describe('encodeIndex + native git', () => {
  it('writes skip-worktree entries that git shows as S, with a clean status and fsck', async () => {
    const blobA = gitInput('id,v\n1,a\n', 'hash-object', '-w', '--stdin').trim();
    const blobB = gitInput('chunk b', 'hash-object', '-w', '--stdin').trim();
    await writeFile(join(repo, 'README.md'), '# data\n');
    const readme = git('hash-object', '-w', 'README.md').trim();
    const st = await lstat(join(repo, 'README.md'));

    const entries: IndexEntry[] = [
      { path: 'tables/people/x y.arrow', oid: blobA, mode: 0o100644, size: 9, skipWorktree: true },
      { path: 'tables/ünï/日本.bin', oid: blobB, mode: 0o100755, size: 7, skipWorktree: true },
      {
        path: 'README.md', oid: readme, mode: 0o100644, size: st.size, skipWorktree: false,
        ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, uid: st.uid, gid: st.gid,
      },
    ];
    await writeIndexAtomic(gitdir, entries);
    const written = await readFile(join(gitdir, 'index'));
    expect(written.readUInt32BE(4)).toBe(3);

    expect(zsplit(git('ls-files', '-v', '-z')).sort()).toEqual(['H README.md', 'S tables/people/x y.arrow', 'S tables/ünï/日本.bin']);
    // Nothing differs between index and work tree: the missing skip-worktree files are not "deleted",
    // and README's stat data matches (diff-files does not refresh, so bad stat data would show).
    expect(git('diff-files')).toBe('');

    const tree = git('write-tree').trim();
    const commit = git('commit-tree', tree, '-m', 'init').trim();
    git('update-ref', 'HEAD', commit);
    expect(git('diff-index', '--cached', 'HEAD')).toBe('');
    expect(git('status', '--porcelain')).toBe('');
    git('fsck', '--full', '--strict');
    expect(git('ls-tree', '-r', 'HEAD')).toContain(`100755 blob ${blobB}\t"tables/\\303\\274n\\303\\257/\\346\\227\\245\\346\\234\\254.bin"`);

    // git rewrote the index (write-tree adds a TREE extension); we still read it and it kept the bit.
    const reread = decodeIndex(await readFile(join(gitdir, 'index')));
    expect(reread.map((e) => [e.path, e.skipWorktree])).toEqual([
      ['README.md', false],
      ['tables/people/x y.arrow', true],
      ['tables/ünï/日本.bin', true],
    ]);
  });

  it('produces the same bytes git writes for the same entries', async () => {
    const t = Date.UTC(2023, 0, 2, 3, 4, 5, 678); // whole milliseconds survive the ms <-> sec/nsec split exactly
    const entries: IndexEntry[] = ['b', 'a/b', 'a-b', 'a0', 'é', 'x'.repeat(100)].map((path, i) => ({
      path, oid: OID, mode: i === 1 ? 0o120000 : 0o100644, size: 0, skipWorktree: i % 2 === 0,
      ctimeMs: t, mtimeMs: t + i, dev: 7, ino: 1000 + i, uid: 1, gid: 2,
    }));
    await writeIndexAtomic(gitdir, entries);
    const ours = await readFile(join(gitdir, 'index'));
    const before = (await stat(join(gitdir, 'index'))).ino;
    git('update-index', '--index-version', '2'); // a version change makes git rewrite the index (as v3: it has extended flags)
    expect((await stat(join(gitdir, 'index'))).ino).not.toBe(before);
    expect((await readFile(join(gitdir, 'index'))).equals(ours)).toBe(true);
  });

  it('handles paths longer than the 12-bit name length field', async () => {
    const long = Array.from({ length: 22 }, (_, i) => `${i}`.padEnd(200, 'x')).join('/');
    expect(Buffer.byteLength(long)).toBeGreaterThan(0xfff);
    const entries: IndexEntry[] = [
      { path: long, oid: OID, mode: 0o100644, size: 0, skipWorktree: true },
      { path: 'z', oid: OID, mode: 0o100644, size: 0, skipWorktree: false },
    ];
    await writeIndexAtomic(gitdir, entries);
    expect(zsplit(git('ls-files', '-v', '-z'))).toEqual([`S ${long}`, 'H z']);
    expect(decodeIndex(await readFile(join(gitdir, 'index'))).map((e) => e.path)).toEqual([long, 'z']);
  });
});

describe('decodeIndex of indexes native git wrote', () => {
  async function addFiles(): Promise<Map<string, string>> {
    const files = new Map([
      ['a.txt', 'alpha\n'],
      ['dir/with space.txt', 'spaced\n'],
      ['ünï/日本.csv', 'x,y\n'],
      ['exec.sh', '#!/bin/sh\n'],
    ]);
    for (const [p, content] of files) {
      await mkdir(join(repo, p, '..'), { recursive: true });
      await writeFile(join(repo, p), content);
    }
    await chmod(join(repo, 'exec.sh'), 0o755);
    await symlink('a.txt', join(repo, 'link'));
    git('add', '-A');
    return files;
  }

  function lsFilesStage(): { path: string; oid: string; mode: number }[] {
    return zsplit(git('ls-files', '-s', '-z')).map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      const [mode, oid] = meta.split(' ') as [string, string];
      return { path, oid, mode: parseInt(mode, 8) };
    });
  }

  it('reads paths, oids, modes and stat data (v2 and v4) and rewrites them without changing status', async () => {
    await addFiles();
    const buf = await readFile(join(gitdir, 'index'));
    expect(buf.readUInt32BE(4)).toBe(2);
    const entries = decodeIndex(buf);
    expect(entries.map(({ path, oid, mode }) => ({ path, oid, mode }))).toEqual(lsFilesStage());
    expect(entries.map((e) => e.path)).toEqual(['a.txt', 'dir/with space.txt', 'exec.sh', 'link', 'ünï/日本.csv']);
    for (const e of entries) {
      const st = await lstat(join(repo, e.path));
      expect(e.skipWorktree).toBe(false);
      expect(e.size).toBe(st.size);
      expect(e.ino).toBe(st.ino % 2 ** 32);
      expect(e.uid).toBe(st.uid);
      expect(Math.floor(e.mtimeMs! / 1000)).toBe(Math.floor(st.mtimeMs / 1000));
      // ms in a double keeps nanoseconds only to within a few hundred ns.
      expect(Math.abs(e.mtimeMs! - st.mtimeMs)).toBeLessThan(0.001);
    }

    git('update-index', '--index-version', '4');
    const v4 = await readFile(join(gitdir, 'index'));
    expect(v4.readUInt32BE(4)).toBe(4);
    expect(decodeIndex(v4)).toEqual(entries);

    // Rewriting what we read keeps git's view: same entries, no stat-dirty files.
    await rm(join(gitdir, 'index'));
    await writeIndexAtomic(gitdir, entries);
    expect(lsFilesStage()).toEqual(entries.map(({ path, oid, mode }) => ({ path, oid, mode })));
    expect(git('diff-files')).toBe('');
    git('commit', '-q', '-m', 'x');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('rejects conflicted (stage > 0) indexes with DIRTY_STATE', async () => {
    await writeFile(join(repo, 'f'), 'base\n');
    git('add', 'f');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'other');
    await writeFile(join(repo, 'f'), 'other\n');
    git('commit', '-q', '-am', 'other');
    git('checkout', '-q', 'main');
    await writeFile(join(repo, 'f'), 'main\n');
    git('commit', '-q', '-am', 'main');
    try {
      git('merge', '-q', 'other');
    } catch {
      // expected conflict
    }
    const conflicted = await readFile(join(gitdir, 'index'));
    expect(() => decodeIndex(conflicted)).toThrow(expect.objectContaining({ code: 'DIRTY_STATE' }));
  });
});

describe('encodeIndex / decodeIndex', () => {
  const entry = (path: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({ path, oid: OID, mode: 0o100644, size: 0, skipWorktree: false, ...extra });

  it('writes version 2 without skip-worktree, sorts by UTF-8 bytes and pads entries to 8 bytes', () => {
    const paths = ['é', 'a0', 'a/b', 'b', 'a-b', 'Z'];
    const buf = encodeIndex(paths.map((p) => entry(p)));
    expect(buf.toString('latin1', 0, 4)).toBe('DIRC');
    expect(buf.readUInt32BE(4)).toBe(2);
    expect(buf.readUInt32BE(8)).toBe(6);
    // 62 fixed bytes + name + 1..8 NULs, rounded to a multiple of 8.
    const expectedLen = 12 + paths.reduce((n, p) => n + ((62 + Buffer.byteLength(p) + 8) & ~7), 0) + 20;
    expect(buf.length).toBe(expectedLen);
    expect(decodeIndex(buf).map((e) => e.path)).toEqual(['Z', 'a-b', 'a/b', 'a0', 'b', 'é']);
  });

  it('round-trips all fields, truncating to 32 bits like git', () => {
    const e = entry('d/f', {
      mode: 0o100755, size: 2 ** 32 + 5, skipWorktree: true, ctimeMs: 1_700_000_000_250, mtimeMs: 1_700_000_001_500,
      dev: 2 ** 32 + 1, ino: 2 ** 40 + 9, uid: 1000, gid: 100, oid: OID.toUpperCase(),
    });
    const [back] = decodeIndex(encodeIndex([e]));
    expect(back).toEqual({ ...e, oid: OID, size: 5, dev: 1, ino: 9 });
  });

  it.each(['', '/abs', 'a/../b', '..', 'a/./b', 'a//b', 'a/', 'a\0b', 'a\\b', '.git/config', 'x/.GIT/y'])('rejects path %j', (p) => {
    expect(() => encodeIndex([entry(p)])).toThrow(expect.objectContaining({ name: 'FvError' }));
  });

  it('rejects bad oids, modes, duplicates and file/directory clashes', () => {
    expect(() => encodeIndex([entry('a', { oid: 'abc' })])).toThrow(/invalid object id/);
    expect(() => encodeIndex([entry('a', { mode: 0o644 })])).toThrow(/invalid mode/);
    expect(() => encodeIndex([entry('a'), entry('a')])).toThrow(/duplicate/);
    expect(() => encodeIndex([entry('a/b/c'), entry('a-'), entry('a/b')])).toThrow(/both a file and a directory/);
  });

  it('detects corruption and truncation, and accepts a skipHash (all-zero) trailer', () => {
    const buf = encodeIndex([entry('a'), entry('b', { skipWorktree: true })]);
    const flipped = Buffer.from(buf);
    flipped[40] = flipped[40]! ^ 1;
    expect(() => decodeIndex(flipped)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(() => decodeIndex(buf.subarray(0, 30))).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    const lying = Buffer.from(buf);
    lying.writeUInt32BE(3, 8); // claims more entries than present
    lying.fill(0, lying.length - 20);
    expect(() => decodeIndex(lying)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    const zeroTrailer = Buffer.from(buf);
    zeroTrailer.fill(0, zeroTrailer.length - 20);
    expect(decodeIndex(zeroTrailer).map((e) => e.skipWorktree)).toEqual([false, true]);
  });
});

describe('writeIndexAtomic', () => {
  it('refuses when index.lock exists, leaving both files alone', async () => {
    await writeIndexAtomic(gitdir, [{ path: 'a', oid: OID, mode: 0o100644, size: 0, skipWorktree: false }]);
    const before = await readFile(join(gitdir, 'index'));
    await writeFile(join(gitdir, 'index.lock'), 'someone else');
    await expect(writeIndexAtomic(gitdir, [])).rejects.toMatchObject({ code: 'LOCKED', message: 'git index is locked (.git/index.lock exists)' });
    expect(await readFile(join(gitdir, 'index.lock'), 'utf8')).toBe('someone else');
    expect((await readFile(join(gitdir, 'index'))).equals(before)).toBe(true);
  });

  it('removes an index.lock left by a killed fv process, and only that one', async () => {
    const entry: IndexEntry = { path: 'a', oid: OID, mode: 0o100644, size: 0, skipWorktree: false };
    const lock = join(gitdir, 'index.lock');
    const owner = join(gitdir, 'fv', 'index-lock-owner');
    // A pid that certainly belonged to a process that has exited.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    await mkdir(join(gitdir, 'fv'), { recursive: true });
    const claim = async (pid: number) => {
      const st = await stat(lock, { bigint: true });
      await writeFile(owner, `${pid} ${st.dev}:${st.ino}\n`);
    };

    // The dead fv process's own lock file: removed, the index written, no owner file left.
    await writeFile(lock, 'half-written index');
    await claim(dead);
    await writeIndexAtomic(gitdir, [entry]);
    expect(decodeIndex(await readFile(join(gitdir, 'index'))).map((e) => e.path)).toEqual(['a']);
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(owner)).rejects.toMatchObject({ code: 'ENOENT' });

    // A live owner (this process), or a lock file that is not the one recorded (recreated since): left alone.
    await writeFile(lock, 'live');
    await claim(process.pid);
    await expect(writeIndexAtomic(gitdir, [])).rejects.toMatchObject({ code: 'LOCKED' });
    await writeFile(owner, `${dead} 1:1\n`);
    await expect(writeIndexAtomic(gitdir, [])).rejects.toMatchObject({ code: 'LOCKED' });
    expect(await readFile(lock, 'utf8')).toBe('live');
  });

  it('validates before taking the lock', async () => {
    await expect(writeIndexAtomic(gitdir, [{ path: '../x', oid: OID, mode: 0o100644, size: 0, skipWorktree: false }])).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(stat(join(gitdir, 'index.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
