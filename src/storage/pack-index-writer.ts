/**
 * Encodes a version-2 pack index (.idx), the format pack-reader.ts reads and
 * `git index-pack` writes: a fan-out table of 256 cumulative counts by first
 * byte, the sorted object ids, each entry's CRC-32, its offset (31 bits, or
 * an index into a table of 8-byte offsets for packs over 2 GiB), then the
 * pack's checksum and the index's own.
 */
import { createHash } from 'node:crypto';

export interface PackIndexEntry {
  /** The object id, 20 raw bytes. */
  oid: Buffer;
  /** Where the entry starts in the pack. */
  offset: number;
  /** CRC-32 of the entry as stored (header and deflated data). */
  crc: number;
}

const MAGIC = 0xff744f63; // "\377tOc"
const LARGE = 0x80000000;

export function encodePackIndex(unsorted: PackIndexEntry[], packChecksum: Buffer): Buffer {
  const entries = [...unsorted].sort((a, b) => Buffer.compare(a.oid, b.oid));
  const n = entries.length;
  const large = entries.filter((e) => e.offset >= LARGE).length;
  const buf = Buffer.alloc(8 + 256 * 4 + n * (20 + 4 + 4) + large * 8 + 40);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(2, 4);
  const fanoutAt = 8;
  const oidsAt = fanoutAt + 256 * 4;
  const crcsAt = oidsAt + n * 20;
  const offsetsAt = crcsAt + n * 4;
  const largeAt = offsetsAt + n * 4;
  const counts = new Uint32Array(256);
  let nextLarge = 0;
  entries.forEach((e, i) => {
    counts[e.oid[0]!]!++;
    e.oid.copy(buf, oidsAt + i * 20);
    buf.writeUInt32BE(e.crc >>> 0, crcsAt + i * 4);
    if (e.offset < LARGE) buf.writeUInt32BE(e.offset, offsetsAt + i * 4);
    else {
      buf.writeUInt32BE((LARGE | nextLarge) >>> 0, offsetsAt + i * 4);
      buf.writeBigUInt64BE(BigInt(e.offset), largeAt + nextLarge * 8);
      nextLarge++;
    }
  });
  let total = 0;
  for (let b = 0; b < 256; b++) buf.writeUInt32BE((total += counts[b]!), fanoutAt + b * 4);
  const checksumAt = largeAt + large * 8;
  packChecksum.copy(buf, checksumAt);
  createHash('sha1').update(buf.subarray(0, checksumAt + 20)).digest().copy(buf, checksumAt + 20);
  return buf;
}
