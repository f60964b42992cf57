/**
 * Packs written by fv (pack-writer.ts, through GitRepo's ObjectWriter):
 * native git accepts them (`git verify-pack`, `git fsck --full --strict`),
 * every object reads back through git and through fv's own reader, a small
 * command's objects stay loose, readers see a pack installed after they
 * listed the pack directory, and a discarded command leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo, gitBlobId } from '../../../src/storage/git.js';
import { ObjectReader } from '../../../src/storage/object-reader.js';
import { encodePackIndex } from '../../../src/storage/pack-index-writer.js';
import { PackIndex } from '../../../src/storage/pack-reader.js';
import { PackWriter, tempPackWriterPid } from '../../../src/storage/pack-writer.js';
import { isolatedGitEnv } from '../../helpers.js';

let dir: string;

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, env: isolatedGitEnv(), encoding: 'buffer', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString('latin1');
}

function gitBytes(args: string[]): Buffer {
  return spawnSync('git', args, { cwd: dir, env: isolatedGitEnv(), encoding: 'buffer', maxBuffer: 64 << 20 }).stdout;
}

const packDir = () => join(dir, '.git', 'objects', 'pack');
const packFiles = () => fs.readdirSync(packDir()).sort();
const looseCount = () => Number(/^count: (\d+)$/m.exec(git(['count-objects', '-v']))![1]);

/** Blobs of assorted sizes: empty, one byte, around the entry header's varint steps, and incompressible ones. */
function blobs(n: number): Buffer[] {
  const sizes = [0, 1, 15, 16, 2047, 2048, 70_000];
  return Array.from({ length: n }, (_, i) => (i % 3 === 0 ? randomBytes(sizes[i % sizes.length]! + i) : Buffer.from(`blob ${i} `.repeat((i % 50) + 1))));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-pack-'));
  await GitRepo.init(dir);
});

afterEach(() => {
  delete process.env.FV_PACK_MIN_OBJECTS;
});

describe('one pack per large write', () => {
  it('writes 150 objects as one pack that git verifies, and every object reads back', async () => {
    const repo = new GitRepo(dir);
    const bodies = blobs(150);
    const oids = [];
    for (const b of bodies) oids.push(await repo.writeBlob(b));
    const tree = await repo.writeTree([{ mode: '100644', path: 'a', oid: oids[0]!, type: 'blob' }]);
    await repo.flushObjects();

    expect(looseCount()).toBe(0);
    const files = packFiles();
    expect(files.filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('tmp_'))).toEqual([]);
    const verify = git(['verify-pack', '-v', join(packDir(), files.find((f) => f.endsWith('.idx'))!)]);
    expect(verify).toMatch(/non delta: 151 objects/);
    git(['fsck', '--full', '--strict']);

    const reader = new ObjectReader(join(dir, '.git'));
    bodies.forEach((b, i) => {
      // git reads a sample (a process each); fv's reader reads every one.
      if (i % 15 === 0) expect(gitBytes(['cat-file', 'blob', oids[i]!]).equals(b)).toBe(true);
      expect(reader.read(oids[i]!)?.data.equals(b)).toBe(true);
    });
    expect(git(['cat-file', '-t', tree]).trim()).toBe('tree');
    expect(await repo.readTree(tree)).toEqual([{ mode: '100644', path: 'a', oid: oids[0]!, type: 'blob' }]);
  });

  it('keeps a small write loose, and writes nothing twice', async () => {
    const repo = new GitRepo(dir);
    const bodies = blobs(5);
    for (const b of bodies) await repo.writeBlob(b);
    await repo.writeBlob(bodies[0]!);
    await repo.flushObjects();
    expect(looseCount()).toBe(5);
    expect(packFiles().filter((f) => f.endsWith('.pack'))).toEqual([]);

    // Packed once, a second command storing the same objects writes no new pack.
    process.env.FV_PACK_MIN_OBJECTS = '2';
    const more = blobs(20);
    repo.checkpoint();
    for (const b of more) await repo.writeBlob(b);
    await repo.flushObjects();
    expect(packFiles().filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    const again = new GitRepo(dir);
    again.checkpoint();
    for (const b of more) await again.writeBlob(b);
    await again.flushObjects();
    expect(packFiles().filter((f) => f.endsWith('.pack'))).toHaveLength(1);
  });

  it('reads objects back before they are flushed: held in memory, or by installing the open pack', async () => {
    process.env.FV_PACK_MIN_OBJECTS = '10';
    const repo = new GitRepo(dir);
    const bodies = blobs(30);
    const first = await repo.writeBlob(bodies[0]!);
    expect(Buffer.from(await repo.readBlob(first)).equals(bodies[0]!)).toBe(true);
    expect(await repo.hasObject(first)).toBe(true);
    const oids = [first];
    for (const b of bodies.slice(1)) oids.push(await repo.writeBlob(b));
    expect(Buffer.from(await repo.readBlob(oids[20]!)).equals(bodies[20]!)).toBe(true);
    // Reading installed the pack; later objects go into a second one.
    expect(packFiles().filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    const later = await repo.writeBlob(Buffer.from('written after the first pack was installed'));
    await repo.flushObjects();
    expect(packFiles().filter((f) => f.endsWith('.idx'))).toHaveLength(2);
    expect(new ObjectReader(join(dir, '.git')).has(later)).toBe(true);
    git(['fsck', '--full', '--strict']);
  });

  it('a reader that listed the pack directory before sees a pack installed later', async () => {
    process.env.FV_PACK_MIN_OBJECTS = '2';
    const reader = new ObjectReader(join(dir, '.git'));
    const bodies = blobs(4);
    expect(reader.has(gitBlobId(bodies[0]!))).toBe(false);
    const writer = new GitRepo(dir);
    for (const b of bodies) await writer.writeBlob(b);
    await writer.flushObjects();
    // Same mtime tick or not, the miss lists the directory again.
    expect(reader.has(gitBlobId(bodies[0]!))).toBe(true);
    expect(reader.read(gitBlobId(bodies[3]!))?.data.equals(bodies[3]!)).toBe(true);
  });

  it('a discarded command leaves no pack, no temp file and no loose object', async () => {
    process.env.FV_PACK_MIN_OBJECTS = '3';
    const repo = new GitRepo(dir);
    repo.checkpoint();
    for (const b of blobs(40)) await repo.writeBlob(b);
    expect(packFiles().some((f) => f.startsWith('tmp_pack_fv-'))).toBe(true);
    await repo.discardCreatedObjects();
    expect(packFiles()).toEqual([]);

    // Also once the pack was installed (a read asked for it) and some objects were written loose.
    repo.checkpoint();
    const oids = [];
    for (const b of blobs(10)) oids.push(await repo.writeBlob(b));
    await repo.readBlob(oids[5]!);
    expect(packFiles().filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    await repo.discardCreatedObjects();
    expect(packFiles()).toEqual([]);
    expect(looseCount()).toBe(0);
    git(['fsck', '--full', '--strict']);
  });

  it('a failed deflate or write fails the command, and the pack is dropped', async () => {
    const writer = await PackWriter.open(packDir());
    await writer.add('0'.repeat(40), 'blob', Buffer.from('x'));
    // A body zlib refuses (not a buffer) fails its append; the failure surfaces at finish.
    await writer.add('1'.repeat(40), 'blob', 42 as unknown as Uint8Array).catch(() => undefined);
    await expect(writer.finish()).rejects.toThrow();
    expect(packFiles()).toEqual([]);
  });
});

describe('pack index encoding', () => {
  it('round-trips through the reader, 8-byte offsets for entries past 2 GiB included', () => {
    const entries = [0x00, 0x7f, 0x80, 0xff, 0x80].map((first, i) => ({
      oid: Buffer.concat([Buffer.from([first, i]), randomBytes(18)]),
      offset: i === 2 ? 2 ** 31 + 5 : i === 4 ? 2 ** 33 : 12 + i * 100,
      crc: 0xdeadbeef - i,
    }));
    const idx = PackIndex.parse(encodePackIndex(entries, Buffer.alloc(20, 7)), 'test.pack')!;
    expect(idx.count).toBe(5);
    for (const e of entries) expect(idx.find(e.oid)).toBe(e.offset);
    expect([...idx.ids()]).toEqual(entries.map((e) => e.oid.toString('hex')).sort());
  });

  it('names temp files so gc can tell their writer', () => {
    expect(tempPackWriterPid(`tmp_pack_fv-1234-0123456789ab`)).toBe(1234);
    expect(tempPackWriterPid(`tmp_idx_fv-77-abcdef`)).toBe(77);
    expect(tempPackWriterPid('tmp_pack_XyZ123')).toBeUndefined();
    expect(tempPackWriterPid('pack-0123.pack')).toBeUndefined();
  });
});
