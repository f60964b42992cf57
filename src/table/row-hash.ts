/**
 * Row hashing, used for two things that must never depend on how a table
 * was written:
 *  - content-defined chunk boundaries (a hash of the row's key);
 *  - the table's content hash, an order-free sum of per-row hashes, so it
 *    can be updated from a change alone (subtract the rows removed, add the
 *    rows added) and is the same however the rows were split into chunks.
 *
 * A row is hashed as MurmurHash3 x86_128 (seed 0) of its canonical byte
 * encoding (docs/FORMAT.md, "Row encoding"). Murmur is not cryptographic;
 * the table hash wraps the row-hash sum in SHA-256 together with the schema.
 */
import type { FvType, Value } from './types.js';

const TEXT = new TextEncoder();

/** Growable byte buffer reused across rows to avoid per-row allocation. */
export class RowEncoder {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends one value: tag 0 for null, else tag 1 and the type's bytes. */
  add(v: Value, t: FvType): void {
    if (v === null) {
      this.ensure(1);
      this.buf[this.length++] = 0;
      return;
    }
    this.ensure(1);
    this.buf[this.length++] = 1;
    switch (typeof v) {
      case 'number':
        this.ensure(8);
        if (t.kind === 'float32' || t.kind === 'float64') this.view.setFloat64(this.length, Number.isNaN(v) ? NaN : v, true);
        else this.view.setBigInt64(this.length, BigInt(v), true);
        this.length += 8;
        return;
      case 'bigint':
        // 16 bytes two's complement covers int64, uint64 and decimal128.
        this.ensure(16);
        this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
        this.view.setBigUint64(this.length + 8, BigInt.asUintN(64, v >> 64n), true);
        this.length += 16;
        return;
      case 'boolean':
        this.ensure(1);
        this.buf[this.length++] = v ? 1 : 0;
        return;
      case 'string': {
        // Worst case 3 bytes per UTF-16 unit.
        this.ensure(4 + v.length * 3);
        const { written } = TEXT.encodeInto(v, this.buf.subarray(this.length + 4));
        this.view.setUint32(this.length, written, true);
        this.length += 4 + written;
        return;
      }
      default: {
        const bytes = v as Uint8Array;
        this.ensure(4 + bytes.length);
        this.view.setUint32(this.length, bytes.length, true);
        this.buf.set(bytes, this.length + 4);
        this.length += 4 + bytes.length;
      }
    }
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  // Typed appends for ColumnStore, which hashes rows straight from its
  // typed columns (no boxed Value, BigInt or string per cell). Each writes
  // exactly the bytes `add` writes for the same value.

  addNull(): void {
    this.ensure(1);
    this.buf[this.length++] = 0;
  }

  /** A number-typed integer (int8..uint32, date32): tag, then 64-bit two's complement. */
  addIntNumber(v: number): void {
    this.ensure(9);
    this.buf[this.length] = 1;
    const hi = Math.floor(v / 4294967296); // exact for |v| < 2^53
    this.view.setUint32(this.length + 1, v - hi * 4294967296, true);
    this.view.setInt32(this.length + 5, hi, true);
    this.length += 9;
  }

  addFloat(v: number): void {
    this.ensure(9);
    this.buf[this.length] = 1;
    this.view.setFloat64(this.length + 1, Number.isNaN(v) ? NaN : v, true);
    this.length += 9;
  }

  /** A 64-bit integer given as its low and high 32-bit words: tag, then 128-bit two's complement. */
  addInt64Words(lo: number, hi: number, signed: boolean): void {
    this.ensure(17);
    const at = this.length;
    this.buf[at] = 1;
    this.view.setUint32(at + 1, lo, true);
    this.view.setUint32(at + 5, hi, true);
    const ext = signed && (hi & 0x80000000) !== 0 ? 0xffffffff : 0;
    this.view.setUint32(at + 9, ext, true);
    this.view.setUint32(at + 13, ext, true);
    this.length += 17;
  }

  addBool(v: boolean): void {
    this.ensure(2);
    this.buf[this.length] = 1;
    this.buf[this.length + 1] = v ? 1 : 0;
    this.length += 2;
  }

  /** UTF-8 (or binary) bytes `src[start, end)`: tag, 32-bit length, bytes. */
  addByteRange(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(5 + n);
    this.buf[this.length] = 1;
    this.view.setUint32(this.length + 1, n, true);
    this.buf.set(src.subarray(start, end), this.length + 5);
    this.length += 5 + n;
  }
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const C1 = 0x239b961b, C2 = 0xab0e9789, C3 = 0x38b34ae5, C4 = 0xa1e38b93;

/** MurmurHash3 x86_128 of `data`, written as four uint32 lanes into `out` at `offset`. */
export function murmur3x86_128(data: Uint8Array, out: Uint32Array, offset = 0, seed = 0): void {
  murmur3x86_128Range(data, 0, data.length, out, offset, seed);
}

/** murmur3x86_128 of data[start, end): rows encoded back to back in one buffer are hashed without a subarray each. */
export function murmur3x86_128Range(data: Uint8Array, start: number, end: number, out: Uint32Array, offset = 0, seed = 0): void {
  const len = end - start;
  const nblocks = len >>> 4;
  let h1 = seed, h2 = seed, h3 = seed, h4 = seed;
  // Words are read byte by byte (little endian): a DataView per call was one
  // allocation per hashed row, and rows are hashed by the million.
  for (let i = 0; i < nblocks; i++) {
    const p = start + (i << 4);
    let k1 = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
    let k2 = data[p + 4]! | (data[p + 5]! << 8) | (data[p + 6]! << 16) | (data[p + 7]! << 24);
    let k3 = data[p + 8]! | (data[p + 9]! << 8) | (data[p + 10]! << 16) | (data[p + 11]! << 24);
    let k4 = data[p + 12]! | (data[p + 13]! << 8) | (data[p + 14]! << 16) | (data[p + 15]! << 24);
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const tail = start + (nblocks << 4);
  let k1 = 0, k2 = 0, k3 = 0, k4 = 0;
  switch (len & 15) {
    case 15: k4 ^= data[tail + 14]! << 16; // falls through
    case 14: k4 ^= data[tail + 13]! << 8; // falls through
    case 13: k4 ^= data[tail + 12]!; k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4; // falls through
    case 12: k3 ^= data[tail + 11]! << 24; // falls through
    case 11: k3 ^= data[tail + 10]! << 16; // falls through
    case 10: k3 ^= data[tail + 9]! << 8; // falls through
    case 9: k3 ^= data[tail + 8]!; k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3; // falls through
    case 8: k2 ^= data[tail + 7]! << 24; // falls through
    case 7: k2 ^= data[tail + 6]! << 16; // falls through
    case 6: k2 ^= data[tail + 5]! << 8; // falls through
    case 5: k2 ^= data[tail + 4]!; k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2; // falls through
    case 4: k1 ^= data[tail + 3]! << 24; // falls through
    case 3: k1 ^= data[tail + 2]! << 16; // falls through
    case 2: k1 ^= data[tail + 1]! << 8; // falls through
    case 1: k1 ^= data[tail]!; k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
  }
  h1 ^= len; h2 ^= len; h3 ^= len; h4 ^= len;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  out[offset] = h1 >>> 0; out[offset + 1] = h2 >>> 0; out[offset + 2] = h3 >>> 0; out[offset + 3] = h4 >>> 0;
}

/** A sum of row hashes: four uint32 lanes, each added modulo 2^32. */
export class RowDigest {
  readonly lanes = new Uint32Array(4);

  static fromHex(hex: string): RowDigest {
    const d = new RowDigest();
    for (let i = 0; i < 4; i++) d.lanes[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
    return d;
  }

  add(h: Uint32Array, offset = 0, sign: 1 | -1 = 1): void {
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i]! + sign * h[offset + i]!) >>> 0;
  }

  addDigest(d: RowDigest, sign: 1 | -1 = 1): void {
    this.add(d.lanes, 0, sign);
  }

  toHex(): string {
    return Array.from(this.lanes, (x) => x.toString(16).padStart(8, '0')).join('');
  }
}

/**
 * Hashes every row of the given columns. Returns 4 lanes per row. `keyHashes`
 * (optional) receives lane 0 of the hash of the key columns alone, which is
 * what chunk boundaries are cut on.
 */
export function hashRows(columns: Value[][], types: FvType[], rowCount: number, keyIdx: number[] | null): { rowHashes: Uint32Array; keyHashes: Uint32Array; encodedBytes: number } {
  const enc = new RowEncoder();
  let encodedBytes = 0;
  const rowHashes = new Uint32Array(rowCount * 4);
  const keyHashes = new Uint32Array(rowCount);
  const tmp = new Uint32Array(4);
  for (let r = 0; r < rowCount; r++) {
    enc.reset();
    for (let c = 0; c < columns.length; c++) enc.add(columns[c]![r]!, types[c]!);
    murmur3x86_128(enc.bytes(), rowHashes, r * 4);
    encodedBytes += enc.length;
    if (keyIdx !== null && keyIdx.length > 0) {
      enc.reset();
      for (const c of keyIdx) enc.add(columns[c]![r]!, types[c]!);
      murmur3x86_128(enc.bytes(), tmp, 0);
      keyHashes[r] = tmp[0]!;
    } else keyHashes[r] = rowHashes[r * 4]!;
  }
  return { rowHashes, keyHashes, encodedBytes };
}
