/**
 * The .idx v2 parser on hand-built indexes: the parts native git only
 * writes for huge packs (8-byte offsets past 2 GiB) cannot be provoked in a
 * test repository, so the layout is built here from the format description.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PackIndex } from '../../../src/storage/pack-reader.js';

const oid = (s: string): Buffer => createHash('sha1').update(s).digest();

/** An idx v2 for these (id, offset) pairs; offsets of 2^31 and above go to the 8-byte table. */
function buildIdx(entries: [Buffer, number][]): Buffer {
  const sorted = [...entries].sort((a, b) => a[0].compare(b[0]));
  const header = Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
  const fanout = Buffer.alloc(256 * 4);
  for (let b = 0; b < 256; b++) fanout.writeUInt32BE(sorted.filter(([id]) => id[0]! <= b).length, b * 4);
  const ids = Buffer.concat(sorted.map(([id]) => id));
  const crcs = Buffer.alloc(sorted.length * 4);
  const small = Buffer.alloc(sorted.length * 4);
  const large: Buffer[] = [];
  sorted.forEach(([, off], i) => {
    if (off < 2 ** 31) small.writeUInt32BE(off, i * 4);
    else {
      small.writeUInt32BE((0x80000000 | large.length) >>> 0, i * 4);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(off));
      large.push(b);
    }
  });
  return Buffer.concat([header, fanout, ids, crcs, small, ...large, Buffer.alloc(40)]);
}

describe('pack index v2', () => {
  const entries: [Buffer, number][] = [
    [oid('a'), 12],
    [oid('b'), 5_000_000_000],
    [oid('c'), 400],
    [oid('d'), 2 ** 31],
    [oid('e'), 2 ** 31 - 1],
  ];
  const idx = PackIndex.parse(buildIdx(entries), 'test.idx')!;

  it('finds every object at its offset, 4-byte and 8-byte ones alike', () => {
    expect(idx.count).toBe(5);
    for (const [id, off] of entries) expect(idx.find(id)).toBe(off);
    expect(idx.find(oid('not there'))).toBeUndefined();
    expect(idx.find(Buffer.alloc(20, 0))).toBeUndefined();
    expect(idx.find(Buffer.alloc(20, 0xff))).toBeUndefined();
  });

  it('bounds each entry by the next offset in pack order, the last by the trailing checksum', () => {
    const packSize = 6_000_000_000;
    expect(idx.endOf(12, packSize)).toBe(400);
    expect(idx.endOf(400, packSize)).toBe(2 ** 31 - 1);
    expect(idx.endOf(2 ** 31 - 1, packSize)).toBe(2 ** 31);
    expect(idx.endOf(2 ** 31, packSize)).toBe(5_000_000_000);
    expect(idx.endOf(5_000_000_000, packSize)).toBe(packSize - 20);
  });

  it('declines formats it does not read (idx v1, other files), so the caller falls back', () => {
    expect(PackIndex.parse(Buffer.alloc(1100), 'v1.idx')).toBeUndefined();
    const v3 = buildIdx(entries);
    v3.writeUInt32BE(3, 4);
    expect(PackIndex.parse(v3, 'v3.idx')).toBeUndefined();
  });

  it('refuses an index too short for the object count it declares', () => {
    const cut = buildIdx(entries).subarray(0, 8 + 1024 + 40);
    expect(() => PackIndex.parse(cut, 'cut.idx')).toThrow(/damaged git pack/);
  });
});
