/**
 * Row encodings (docs/FORMAT.md section 7) of gathered columns, written
 * column by column into one buffer, and their hashes.
 *
 * Encoding row by row (RowEncoder, one call and a type switch per cell) was
 * most of the cost of a chunk's digest. Here each column's cells are written
 * in one tight loop per column: the width of every row is summed first, so
 * each row's bytes start at a known position and a column writes its cell
 * of every row at that row's cursor. The bytes are exactly RowEncoder's for
 * the same cells (test/unit/table/gathered-rows.test.ts compares them).
 * The buffers are reused from call to call (rows are copied out or hashed
 * before the next call), so a chunk leaves no garbage behind.
 */
import type { GatheredColumn } from './arrow/arrow-chunk.js';
import { murmur3x86_128Range, RowDigest } from './row-hash.js';
import type { RowEncoder } from './row-hash.js';
import type { FvType, Value } from './types.js';

/** Rows encoded back to back: row i is bytes[starts[i], starts[i + 1]). Valid until the next encodeGatheredRows. */
export interface EncodedRows {
  bytes: Uint8Array;
  starts: Int32Array;
}

let bytes = new Uint8Array(64 * 1024);
let bytesView = new DataView(bytes.buffer);
let starts = new Int32Array(1024);
let cursor = new Int32Array(1024);

const NULL_WIDTH = 1;
/** Tag and 64-bit integer or float64. */
const NUMBER_WIDTH = 9;
/** Tag and 128-bit integer. */
const INT64_WIDTH = 17;
const BOOL_WIDTH = 2;
/** Tag and 32-bit length, then the bytes. */
const BYTES_HEADER = 5;

function isFloat(t: FvType): boolean {
  return t.kind === 'float32' || t.kind === 'float64';
}

/** Adds each row's width of column g to `width`. */
function addWidths(g: GatheredColumn, t: FvType, n: number, width: Int32Array, valueEncoder: RowEncoder): void {
  switch (g.kind) {
    case 'number': case 'int64': {
      const w = g.kind === 'number' ? NUMBER_WIDTH : INT64_WIDTH;
      const valid = g.valid;
      if (valid === null) for (let i = 0; i < n; i++) width[i]! += w;
      else for (let i = 0; i < n; i++) width[i]! += valid[i] === 0 ? NULL_WIDTH : w;
      return;
    }
    case 'bool': {
      const v = g.values;
      for (let i = 0; i < n; i++) width[i]! += v[i] === 2 ? NULL_WIDTH : BOOL_WIDTH;
      return;
    }
    case 'utf8': {
      const { valid, offsets } = g;
      for (let i = 0; i < n; i++) width[i]! += valid !== null && valid[i] === 0 ? NULL_WIDTH : BYTES_HEADER + offsets[i + 1]! - offsets[i]!;
      return;
    }
    case 'values':
      for (let i = 0; i < n; i++) {
        valueEncoder.reset();
        valueEncoder.add(g.values[i]!, t);
        width[i]! += valueEncoder.length;
      }
  }
}

// Each kind's cells are written by a function of its own, so each loop is
// optimized for one kind (one function with every loop deoptimized as the
// kinds alternated). A null writes tag 0, which the zeroed buffer holds already.

function writeNumberCells(values: Float64Array, valid: Uint8Array | null, float: boolean, n: number, at: Int32Array): void {
  const out = bytes;
  const view = bytesView;
  for (let i = 0; i < n; i++) {
    const p = at[i]!;
    if (valid !== null && valid[i] === 0) {
      at[i] = p + NULL_WIDTH;
      continue;
    }
    out[p] = 1;
    const v = values[i]!;
    if (float) view.setFloat64(p + 1, v !== v ? NaN : v, true);
    else {
      const hi = Math.floor(v / 4294967296); // exact for |v| < 2^53
      view.setUint32(p + 1, v - hi * 4294967296, true);
      view.setInt32(p + 5, hi, true);
    }
    at[i] = p + NUMBER_WIDTH;
  }
}

function writeInt64Cells(words: Uint32Array, valid: Uint8Array | null, signed: boolean, n: number, at: Int32Array): void {
  const out = bytes;
  const view = bytesView;
  for (let i = 0; i < n; i++) {
    const p = at[i]!;
    if (valid !== null && valid[i] === 0) {
      at[i] = p + NULL_WIDTH;
      continue;
    }
    const hi = words[2 * i + 1]!;
    out[p] = 1;
    view.setUint32(p + 1, words[2 * i]!, true);
    view.setUint32(p + 5, hi, true);
    // Sign extension to 128 bits (the rest is zeroed already).
    if (signed && hi >= 0x80000000) view.setInt32(p + 9, -1, true), view.setInt32(p + 13, -1, true);
    at[i] = p + INT64_WIDTH;
  }
}

function writeBoolCells(v: Uint8Array, n: number, at: Int32Array): void {
  const out = bytes;
  for (let i = 0; i < n; i++) {
    const p = at[i]!;
    const b = v[i]!;
    if (b === 2) at[i] = p + NULL_WIDTH;
    else {
      out[p] = 1;
      out[p + 1] = b;
      at[i] = p + BOOL_WIDTH;
    }
  }
}

function writeUtf8Cells(src: Uint8Array, offsets: Int32Array, valid: Uint8Array | null, n: number, at: Int32Array): void {
  const out = bytes;
  const view = bytesView;
  for (let i = 0; i < n; i++) {
    const p = at[i]!;
    if (valid !== null && valid[i] === 0) {
      at[i] = p + NULL_WIDTH;
      continue;
    }
    const a = offsets[i]!, len = offsets[i + 1]! - a;
    out[p] = 1;
    view.setUint32(p + 1, len, true);
    const q = p + BYTES_HEADER;
    // Most cells are short: a loop beats making a subarray for set().
    if (len <= 32) for (let k = 0; k < len; k++) out[q + k] = src[a + k]!;
    else out.set(src.subarray(a, a + len), q);
    at[i] = q + len;
  }
}

function writeValueCells(values: Value[], t: FvType, n: number, at: Int32Array, enc: RowEncoder): void {
  for (let i = 0; i < n; i++) {
    enc.reset();
    enc.add(values[i]!, t);
    bytes.set(enc.bytes(), at[i]!);
    at[i]! += enc.length;
  }
}

/** Writes column g's cell of every row at the row's cursor, advancing it. */
function writeCells(g: GatheredColumn, t: FvType, n: number, at: Int32Array, enc: RowEncoder): void {
  switch (g.kind) {
    case 'number': return writeNumberCells(g.values, g.valid, isFloat(t), n, at);
    case 'int64': return writeInt64Cells(g.words, g.valid, t.kind !== 'uint64', n, at);
    case 'bool': return writeBoolCells(g.values, n, at);
    case 'utf8': return writeUtf8Cells(g.bytes, g.offsets, g.valid, n, at);
    case 'values': return writeValueCells(g.values, t, n, at, enc);
  }
}

/** The row encodings of rows 0..n of `columns` (of types `types`), back to back; `enc` encodes boxed values (binary, decimal). */
export function encodeGatheredRows(columns: readonly GatheredColumn[], types: readonly FvType[], n: number, enc: RowEncoder): EncodedRows {
  if (starts.length < n + 1) {
    starts = new Int32Array(Math.max(n + 1, starts.length * 2));
    cursor = new Int32Array(starts.length);
  }
  const width = cursor;
  width.fill(0, 0, n);
  for (let c = 0; c < columns.length; c++) addWidths(columns[c]!, types[c]!, n, width, enc);
  let total = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = total;
    total += width[i]!;
  }
  starts[n] = total;
  if (bytes.length < total) {
    bytes = new Uint8Array(Math.max(total, bytes.length * 2));
    bytesView = new DataView(bytes.buffer);
  } else bytes.fill(0, 0, total);
  cursor.set(starts.subarray(0, n));
  for (let c = 0; c < columns.length; c++) writeCells(columns[c]!, types[c]!, n, cursor, enc);
  return { bytes, starts };
}

/** Sum of the row hashes of rows 0..n of `columns`. */
export function gatheredRowDigest(columns: readonly GatheredColumn[], types: readonly FvType[], n: number, enc: RowEncoder): RowDigest {
  const rows = encodeGatheredRows(columns, types, n, enc);
  const h = new Uint32Array(4);
  const digest = new RowDigest();
  for (let i = 0; i < n; i++) {
    murmur3x86_128Range(rows.bytes, rows.starts[i]!, rows.starts[i + 1]!, h, 0);
    digest.add(h, 0);
  }
  return digest;
}

/** The hash of each of rows 0..n of `columns`, 4 lanes a row (the row hashes of FORMAT.md section 7). */
export function gatheredRowHashes(columns: readonly GatheredColumn[], types: readonly FvType[], n: number, enc: RowEncoder): Uint32Array {
  const rows = encodeGatheredRows(columns, types, n, enc);
  const out = new Uint32Array(4 * n);
  for (let i = 0; i < n; i++) murmur3x86_128Range(rows.bytes, rows.starts[i]!, rows.starts[i + 1]!, out, 4 * i);
  return out;
}

/** Lane 0 of the hash of each of rows 0..n of `columns`, into out[at..at + n). */
export function gatheredRowHashes0(columns: readonly GatheredColumn[], types: readonly FvType[], n: number, enc: RowEncoder, out: Uint32Array, at: number): void {
  const rows = encodeGatheredRows(columns, types, n, enc);
  const h = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    murmur3x86_128Range(rows.bytes, rows.starts[i]!, rows.starts[i + 1]!, h, 0);
    out[at + i] = h[0]!;
  }
}

/**
 * Appends row i's cell of column g to `enc` (the bytes Column.encodeCell
 * writes for the same cell): for hashing one row now and then, where
 * encoding whole columns would cost more than it saves (the patch decision
 * hashes a base row only when its cells differ from the new row's).
 */
export function encodeGatheredCell(g: GatheredColumn, t: FvType, i: number, enc: RowEncoder): void {
  const absent = g.kind !== 'bool' && g.kind !== 'values' && g.valid !== null && g.valid[i] === 0;
  switch (g.kind) {
    case 'number':
      if (absent) enc.addNull();
      else if (isFloat(t)) enc.addFloat(g.values[i]!);
      else enc.addIntNumber(g.values[i]!);
      return;
    case 'int64':
      if (absent) enc.addNull();
      else enc.addInt64Words(g.words[2 * i]!, g.words[2 * i + 1]!, t.kind !== 'uint64');
      return;
    case 'bool':
      if (g.values[i] === 2) enc.addNull();
      else enc.addBool(g.values[i] === 1);
      return;
    case 'utf8':
      if (absent) enc.addNull();
      else enc.addByteRange(g.bytes, g.offsets[i]!, g.offsets[i + 1]!);
      return;
    case 'values':
      enc.add(g.values[i]!, t);
  }
}
