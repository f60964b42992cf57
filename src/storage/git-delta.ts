/**
 * Git's delta format (the payload of OFS_DELTA and REF_DELTA pack entries):
 * the base's size and the result's size as little-endian base-128 varints,
 * then instructions. An instruction byte with the high bit set copies a
 * range of the base (its low 4 bits say which offset bytes follow, the next
 * 3 bits which size bytes; a size of 0 means 0x10000); a byte 1..127 inserts
 * that many literal bytes that follow it; 0 is reserved.
 */
import { FvError } from '../errors/FvError.js';

function corrupt(what: string): FvError {
  return new FvError('CORRUPT', `damaged delta in a git pack: ${what}`, { hint: 'run `git fsck --full` to check the repository' });
}

/** Reads a delta header varint at `pos`; returns the value and the next position. */
function readSize(delta: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= delta.length) throw corrupt('truncated header');
    const b = delta[pos++]!;
    // Multiplication, not shifts: sizes may pass 2^31.
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

/** The object a delta describes, rebuilt from its base. */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Buffer {
  let [baseSize, pos] = readSize(delta, 0);
  if (baseSize !== base.length) throw corrupt(`base is ${base.length} bytes, delta expects ${baseSize}`);
  let resultSize: number;
  [resultSize, pos] = readSize(delta, pos);
  const out = Buffer.allocUnsafe(resultSize);
  let written = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      // Offset bytes (bits 0-3) and size bytes (bits 4-6), little-endian, each present only if its bit is set.
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[pos++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) size += delta[pos++]! << (8 * i);
      if (size === 0) size = 0x10000;
      if (pos > delta.length || offset + size > base.length || written + size > resultSize) throw corrupt('copy out of range');
      out.set(base.subarray(offset, offset + size), written);
      written += size;
    } else if (op !== 0) {
      if (pos + op > delta.length || written + op > resultSize) throw corrupt('insert out of range');
      out.set(delta.subarray(pos, pos + op), written);
      written += op;
      pos += op;
    } else {
      throw corrupt('reserved instruction 0');
    }
  }
  if (written !== resultSize) throw corrupt(`result is ${written} bytes, delta promised ${resultSize}`);
  return out;
}
