/**
 * Canonical output columns gathered from typed columns (typed-columns.ts):
 * row r of the output is row rows[r] of the input, or null where rows[r] is
 * -1. No JS value is made per cell: fixed-width values are copied as 32-bit
 * words, text as byte ranges.
 *
 * The result must be byte for byte what arrow-codec.ts's encodeColumn gives
 * for the same values, since build outputs are hashed into lock files: the
 * same typed array kinds and exact sizes, zeroed slots under nulls, a
 * validity bitmap iff there is a null, NaN as the standard quiet NaN, -0
 * kept. test/unit/arrow/gather-column.test.ts pins the equality.
 */
import * as arrow from 'apache-arrow';
import { FvError } from '../../errors/FvError.js';
import type { Field } from '../types.js';
import { typeToString } from '../types.js';
import { writeIpc, type IpcFormat } from './arrow-codec.js';
import { fvTypeToArrow } from './arrow-types.js';
import type { ColumnarTable } from './typed-columns.js';
import { bitAt, nullBitmapOf } from './typed-columns.js';

/** Source row of output row r: rows[r] (-1 = null), or r itself when rows is null. */
type RowMap = Int32Array | null;

/**
 * Output rows in the order they are visited: `order[k]` (the rows that have
 * a source row, by ascending source row), or 0..n-1 when order is null.
 * Reading the source in ascending order streams through its (large) arrays,
 * where reading it in output order (a spine in no particular order) was a
 * cache miss per row and column; the writes go to the (smaller) output.
 */
interface Visit {
  rows: RowMap;
  order: Int32Array | null;
  /** How many rows are visited. */
  count: number;
}

const RADIX_BITS = 11;

/**
 * The output rows r with rows[r] >= 0, sorted by rows[r] (stable: a least
 * significant digit radix sort, 11 bits per pass). Compute it once for all
 * the columns gathered through the same `rows`.
 */
export function sourceOrder(rows: Int32Array): Int32Array {
  let order = new Int32Array(rows.length);
  let count = 0;
  let max = 0;
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r]!;
    if (j < 0) continue;
    order[count++] = r;
    if (j > max) max = j;
  }
  order = order.subarray(0, count);
  let spare = new Int32Array(count);
  const buckets = new Int32Array((1 << RADIX_BITS) + 1);
  const digit = (1 << RADIX_BITS) - 1;
  let passes = 1;
  while (passes * RADIX_BITS < 31 && max >>> (passes * RADIX_BITS) !== 0) passes++;
  for (let shift = 0; shift < passes * RADIX_BITS; shift += RADIX_BITS) {
    buckets.fill(0);
    for (let k = 0; k < count; k++) buckets[((rows[order[k]!]! >>> shift) & digit) + 1]!++;
    for (let b = 0; b < digit + 1; b++) buckets[b + 1]! += buckets[b]!;
    for (let k = 0; k < count; k++) {
      const r = order[k]!;
      spare[buckets[(rows[r]! >>> shift) & digit]!++] = r;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

function visitOf(rows: RowMap, order: Int32Array | null | undefined, n: number): Visit {
  if (rows === null) return { rows, order: null, count: n };
  const o = order ?? sourceOrder(rows);
  return { rows, order: o, count: o.length };
}

/** Validity of the output: present[r] = 1 where the output row has a value. */
function presence(d: arrow.Data, v: Visit, n: number): { present: Uint8Array; nullCount: number } {
  const bitmap = nullBitmapOf(d);
  const present = new Uint8Array(n);
  const { rows, order } = v;
  let count = 0;
  for (let k = 0; k < v.count; k++) {
    const r = order === null ? k : order[k]!;
    const j = rows === null ? r : rows[r]!;
    if (bitmap === null || bitAt(bitmap, d.offset + j)) {
      present[r] = 1;
      count++;
    }
  }
  return { present, nullCount: n - count };
}

function bitmapOf(present: Uint8Array, n: number): Uint8Array {
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) if (present[r] !== 0) bitmap[r >> 3]! |= 1 << (r & 7);
  return bitmap;
}

/** Copies `words` 32-bit words per present row (the slots of absent rows stay zero). */
function copyWords(src: Int32Array, dst: Int32Array, words: number, v: Visit, present: Uint8Array): void {
  const { rows, order } = v;
  if (words === 2) {
    // 64-bit values (int64, timestamps, float64): the common case, unrolled.
    for (let k = 0; k < v.count; k++) {
      const r = order === null ? k : order[k]!;
      if (present[r] === 0) continue;
      const s = 2 * (rows === null ? r : rows[r]!);
      dst[2 * r] = src[s]!;
      dst[2 * r + 1] = src[s + 1]!;
    }
    return;
  }
  for (let k = 0; k < v.count; k++) {
    const r = order === null ? k : order[k]!;
    if (present[r] === 0) continue;
    const s = (rows === null ? r : rows[r]!) * words;
    const o = r * words;
    for (let w = 0; w < words; w++) dst[o + w] = src[s + w]!;
  }
}

type FixedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function gatherFixed(field: Field, type: arrow.DataType, d: arrow.Data, v: Visit, present: Uint8Array, n: number): FixedArray {
  const src = d.values as FixedArray;
  const stride = field.type.kind === 'decimal' ? 4 : 1;
  const Ctor = (type as arrow.Int).ArrayType as unknown as new (n: number) => FixedArray;
  const out = new Ctor(n * stride);
  const bytes = out.BYTES_PER_ELEMENT * stride;
  if (bytes >= 4) {
    copyWords(new Int32Array(src.buffer, src.byteOffset, (src.byteLength >> 2)), new Int32Array(out.buffer), bytes >> 2, v, present);
  } else {
    const s = src as Int8Array;
    const o = out as Int8Array;
    const { rows, order } = v;
    for (let k = 0; k < v.count; k++) {
      const r = order === null ? k : order[k]!;
      if (present[r] !== 0) o[r] = s[rows === null ? r : rows[r]!]!;
    }
  }
  if (field.type.kind === 'float32' || field.type.kind === 'float64') canonicalNaNs(out as Float32Array | Float64Array, present, n);
  return out;
}

/** NaN payloads are dropped: the standard quiet NaN, as encodeFloats writes it. */
function canonicalNaNs(values: Float32Array | Float64Array, present: Uint8Array, n: number): void {
  const bits = new Uint32Array(values.buffer);
  const single = values instanceof Float32Array;
  for (let r = 0; r < n; r++) {
    if (present[r] === 0 || values[r] === values[r]) continue;
    if (single) bits[r] = 0x7fc00000;
    else (bits[2 * r] = 0), (bits[2 * r + 1] = 0x7ff80000);
  }
}

function gatherBool(d: arrow.Data, v: Visit, present: Uint8Array, n: number): Uint8Array {
  const src = d.values as Uint8Array;
  const out = new Uint8Array((n + 7) >> 3);
  const { rows, order } = v;
  for (let k = 0; k < v.count; k++) {
    const r = order === null ? k : order[k]!;
    if (present[r] !== 0 && bitAt(src, d.offset + (rows === null ? r : rows[r]!))) out[r >> 3]! |= 1 << (r & 7);
  }
  return out;
}

function gatherVar(field: Field, d: arrow.Data, v: Visit, present: Uint8Array, n: number): { offsets: Int32Array | BigInt64Array; bytes: Uint8Array } {
  const raw = d.valueOffsets as Int32Array | BigInt64Array;
  const src = raw instanceof Int32Array ? raw : Float64Array.from(raw, Number);
  const data = d.values as Uint8Array;
  const { rows, order } = v;
  // ends[r + 1]: the length of output row r's value, then (prefix sums) where it ends.
  const ends = new Float64Array(n + 1);
  for (let k = 0; k < v.count; k++) {
    const r = order === null ? k : order[k]!;
    if (present[r] === 0) continue;
    const j = rows === null ? r : rows[r]!;
    ends[r + 1] = src[j + 1]! - src[j]!;
  }
  for (let r = 0; r < n; r++) ends[r + 1]! += ends[r]!;
  const total = ends[n]!;
  const large = field.type.kind === 'large_utf8';
  if (!large && total > 2 ** 31 - 1) {
    throw new FvError('TYPE_ERROR', `column "${field.name}": ${total} bytes of ${typeToString(field.type)} data exceed the 2 GiB limit of one chunk`, { hint: 'use large_utf8 or smaller chunks' });
  }
  const bytes = new Uint8Array(total);
  for (let k = 0; k < v.count; k++) {
    const r = order === null ? k : order[k]!;
    if (present[r] === 0) continue;
    const j = rows === null ? r : rows[r]!;
    const start = src[j]!;
    const end = src[j + 1]!;
    const pos = ends[r]!;
    // Most values are short: a byte loop beats making a subarray per value.
    if (end - start > 64) bytes.set(data.subarray(start, end), pos);
    else for (let q = start; q < end; q++) bytes[pos + q - start] = data[q]!;
  }
  const offsets = large ? BigInt64Array.from(ends, (e) => BigInt(e)) : Int32Array.from(ends);
  return { offsets, bytes };
}

/**
 * The canonical column of `field` whose row r is row rows[r] of `d` (null
 * where rows[r] is -1; every row of `d` in order when rows is null), `n`
 * rows long. `d` holds values of `field`'s type (any offset width for text).
 * `order` is sourceOrder(rows), when the caller gathers several columns
 * through the same rows.
 */
export function gatherColumn(field: Field, d: arrow.Data, rows: RowMap, n: number, order?: Int32Array): arrow.Data {
  const type = fvTypeToArrow(field.type);
  const v = visitOf(rows, order, n);
  const { present, nullCount } = presence(d, v, n);
  const base = { length: n, nullCount, nullBitmap: nullCount > 0 ? bitmapOf(present, n) : undefined };
  switch (field.type.kind) {
    case 'bool':
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: gatherBool(d, v, present, n) });
    case 'utf8':
    case 'large_utf8':
    case 'binary': {
      const { offsets, bytes } = gatherVar(field, d, v, present, n);
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets as Int32Array, data: bytes });
    }
    default:
      return arrow.makeData({ ...base, type: type as arrow.Int, data: gatherFixed(field, type, d, v, present, n) as Int32Array });
  }
}

/**
 * `t` (canonical columns, as gatherColumn makes them) as one Arrow IPC record
 * batch: the bytes encodeArrowIpc gives for the same values.
 */
export function encodeColumnarIpc(t: ColumnarTable, format: IpcFormat): Uint8Array {
  const names = new Set(t.fields.map((f) => f.name));
  if (names.size !== t.fields.length) throw new FvError('UNSUPPORTED', 'a column name appears more than once', { hint: 'column names must be unique' });
  const arrowFields = t.fields.map((f, i) => new arrow.Field(f.name, t.columns[i]!.type, true, new Map()));
  return writeIpc(arrowFields, t.columns, t.rowCount, format);
}
