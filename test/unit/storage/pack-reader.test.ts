/**
 * The pack reader against native git: a repository with many similar
 * versions of a few files is packed by git (so most objects are deltas),
 * then every object is read through ObjectReader and compared byte for byte
 * with `git cat-file --batch`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../src/storage/git.js';
import { ObjectReader } from '../../../src/storage/object-reader.js';
import { isolatedGitEnv } from '../../helpers.js';

// A zone east of UTC with a half hour, so the commit's offset (+0530) is checked for sign and minutes.
const gitEnv = isolatedGitEnv({ TZ: 'IST-5:30' });

let repo: string;
beforeEach(() => {
  repo = fs.mkdtempSync(join(tmpdir(), 'fv-pack-'));
  git('init', '-q', '-b', 'main');
});
afterEach(() => {
  fs.rmSync(repo, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** Deterministic pseudo-random text, so files are similar across versions but not trivially compressible. */
function text(seed: number, lines: number): string {
  let s = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(`line ${i} value ${s.toString(36)} ${(s % 9973).toString(16)}`);
  }
  return out.join('\n') + '\n';
}

/** A history of 12 commits: a large file edited a little each time (beyond 64 KiB, so copies span git's maximum copy size), a small one rewritten, an empty file, a nested tree and an annotated tag. */
function buildHistory(): void {
  const big = text(1, 6000).split('\n');
  fs.mkdirSync(join(repo, 'sub', 'deeper'), { recursive: true });
  fs.writeFileSync(join(repo, 'empty'), '');
  for (let v = 0; v < 12; v++) {
    big[v * 400] = `edited in version ${v}`;
    big.splice(v * 300 + 7, 0, `inserted in version ${v}`);
    fs.writeFileSync(join(repo, 'big.txt'), big.join('\n'));
    fs.writeFileSync(join(repo, 'sub', 'small.txt'), text(v + 100, 20));
    fs.writeFileSync(join(repo, 'sub', 'deeper', 'bin.dat'), Buffer.from(text(7, 500 + v * 3), 'utf8').reverse());
    git('add', '-A');
    git('commit', '-q', '-m', `version ${v}\n\nbody of ${v}`);
  }
  git('tag', '-a', 'v-last', '-m', 'the last one');
}

/** All objects as native git sees them: id -> [type, bytes]. */
function nativeObjects(): Map<string, [string, Buffer]> {
  const ids = git('cat-file', '--batch-all-objects', '--batch-check=%(objectname)').trim().split('\n');
  const batch = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, env: gitEnv, input: ids.join('\n') + '\n', maxBuffer: 1 << 28 });
  const out = new Map<string, [string, Buffer]>();
  let pos = 0;
  while (pos < batch.length) {
    const nl = batch.indexOf(10, pos);
    const [oid, type, size] = batch.subarray(pos, nl).toString('latin1').split(' ');
    const start = nl + 1;
    out.set(oid!, [type!, Buffer.from(batch.subarray(start, start + Number(size)))]);
    pos = start + Number(size) + 1;
  }
  return out;
}

/** Entry type codes (6 OFS_DELTA, 7 REF_DELTA, 1-4 whole) of every object in the repository's one pack, read from the pack at the offsets git reports. */
function entryTypes(): number[] {
  const packDir = join(repo, '.git', 'objects', 'pack');
  const idx = fs.readdirSync(packDir).filter((f) => f.endsWith('.idx'));
  expect(idx).toHaveLength(1);
  const pack = fs.readFileSync(join(packDir, idx[0]!.replace(/\.idx$/, '.pack')));
  const verify = git('verify-pack', '-v', join(packDir, idx[0]!));
  return [...verify.matchAll(/^[0-9a-f]{40} \w+ +\d+ \d+ (\d+)/gm)].map((m) => (pack[Number(m[1])]! >> 4) & 7);
}

function expectAllObjectsRead(): number {
  const reader = new ObjectReader(join(repo, '.git'));
  expect(reader.complete).toBe(true);
  const objects = nativeObjects();
  expect(objects.size).toBeGreaterThan(40);
  for (const [oid, [type, bytes]] of objects) {
    const got = reader.read(oid);
    expect(got?.type, oid).toBe(type);
    expect(got!.data.equals(bytes), `${oid} (${type}) differs from git cat-file`).toBe(true);
  }
  return objects.size;
}

function expectNoLooseObjects(): void {
  expect(git('count-objects', '-v')).toMatch(/^count: 0$/m);
}

describe('reading packed objects', () => {
  it('reads every object of an aggressively gc-ed repository (offset deltas) exactly as git cat-file does', () => {
    buildHistory();
    git('gc', '-q', '--aggressive', '--prune=now');
    expectNoLooseObjects();
    const types = entryTypes();
    expect(types.filter((t) => t === 6).length).toBeGreaterThan(10);
    expect(types.filter((t) => t === 7)).toHaveLength(0);
    expectAllObjectsRead();
  });

  it('reads packs whose deltas name their bases by id (REF_DELTA)', () => {
    buildHistory();
    git('-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-adf', '--depth=50', '--window=50');
    git('prune-packed');
    expectNoLooseObjects();
    const types = entryTypes();
    expect(types.filter((t) => t === 7).length).toBeGreaterThan(10);
    expect(types.filter((t) => t === 6)).toHaveLength(0);
    expectAllObjectsRead();
  });

  it('reads long delta chains (depth 250) and objects both loose and packed', () => {
    buildHistory();
    git('repack', '-q', '-ad', '--depth=250', '--window=250');
    const depths = [...git('verify-pack', '-v', ...fs.readdirSync(join(repo, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).map((f) => join(repo, '.git', 'objects', 'pack', f))).matchAll(/^chain length = (\d+)/gm)].map((m) => Number(m[1]));
    expect(Math.max(...depths)).toBeGreaterThan(5);
    // A new loose commit on top of the pack.
    fs.writeFileSync(join(repo, 'after.txt'), 'after the pack\n');
    git('add', 'after.txt');
    git('commit', '-q', '-m', 'after');
    expect(git('count-objects', '-v')).toMatch(/^count: [1-9]/m);
    expectAllObjectsRead();
  });

  it('gives the trees, commits and tags of a packed repository as native git lists them', async () => {
    buildHistory();
    git('gc', '-q', '--aggressive', '--prune=now');
    const g = new GitRepo(repo);
    const head = git('rev-parse', 'HEAD').trim();
    const c = await g.readCommit(head);
    expect(c.tree).toBe(git('rev-parse', 'HEAD^{tree}').trim());
    expect(c.parents).toEqual([git('rev-parse', 'HEAD~1').trim()]);
    expect(c.message).toBe('version 11\n\nbody of 11\n');
    expect(c.author).toEqual({ name: 'T', email: 't@example.com', timestamp: Number(git('log', '-1', '--format=%at').trim()), timezoneOffset: -330 });
    const lsTree = git('ls-tree', 'HEAD:sub').trim().split('\n').map((l) => {
      const [meta, name] = l.split('\t');
      const [mode, type, oid] = meta!.split(' ');
      return { mode, type, oid, path: name };
    });
    expect(await g.readTree(git('rev-parse', 'HEAD:sub').trim())).toEqual(lsTree);
    // A commit stands for its tree; an annotated tag peels to its commit.
    expect((await g.readTree(head)).map((e) => e.path)).toEqual(['big.txt', 'empty', 'sub']);
    const tag = git('rev-parse', 'v-last').trim();
    expect(tag).not.toBe(head);
    expect(await g.peel(tag)).toBe(head);
    expect(Buffer.from(await g.readBlob(git('rev-parse', 'HEAD:big.txt').trim())).equals(fs.readFileSync(join(repo, 'big.txt')))).toBe(true);
    expect(await g.hasObject(git('rev-parse', 'HEAD:empty').trim())).toBe(true);
    expect(await g.hasObject('0123456789abcdef0123456789abcdef01234567')).toBe(false);
    await expect(g.readBlob('0123456789abcdef0123456789abcdef01234567')).rejects.toThrow(/missing/);
    await expect(g.readBlob(head)).rejects.toThrow(/is a commit, not a blob/);
  });

  it('reports a damaged pack entry as corruption instead of returning wrong bytes', () => {
    buildHistory();
    git('gc', '-q', '--prune=now');
    const packDir = join(repo, '.git', 'objects', 'pack');
    const idx = fs.readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
    const blob = git('rev-parse', 'HEAD:big.txt').trim();
    const line = git('verify-pack', '-v', join(packDir, idx)).split('\n').find((l) => l.startsWith(blob))!;
    const [, , , sizeInPack, offset] = line.split(/ +/).map(Number);
    const packFile = join(packDir, idx.replace(/\.idx$/, '.pack'));
    const bytes = fs.readFileSync(packFile);
    // Flip a byte in the middle of the entry's compressed data.
    const at = offset! + Math.floor(sizeInPack! / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    fs.chmodSync(packFile, 0o644);
    fs.writeFileSync(packFile, bytes);
    expect(() => new ObjectReader(join(repo, '.git')).read(blob)).toThrow(/damaged/);
  });

  it('says it cannot answer for a pack that has no index, and finds nothing in it', () => {
    buildHistory();
    git('gc', '-q', '--prune=now');
    const packDir = join(repo, '.git', 'objects', 'pack');
    const idx = fs.readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
    fs.renameSync(join(packDir, idx), join(repo, 'moved.idx'));
    const reader = new ObjectReader(join(repo, '.git'));
    expect(reader.complete).toBe(false);
    expect(reader.read(git('rev-parse', 'HEAD').trim())).toBeUndefined();
    // Once the index is back (a pack appearing in a running process), the reader sees it.
    fs.renameSync(join(repo, 'moved.idx'), join(packDir, idx));
    const later = Date.now() / 1000 + 5;
    fs.utimesSync(packDir, later, later);
    expect(reader.read(git('rev-parse', 'HEAD').trim())?.type).toBe('commit');
    expect(reader.complete).toBe(true);
  });
});
