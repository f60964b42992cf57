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

function sourceRow(rows: RowMap, r: number): number {
  return rows === null ? r : rows[r]!;
}

/** Validity of the output: present[r] = 1 where the output row has a value. */
function presence(d: arrow.Data, rows: RowMap, n: number): { present: Uint8Array; nullCount: number } {
  const bitmap = nullBitmapOf(d);
  const present = new Uint8Array(n);
  let nullCount = 0;
  for (let r = 0; r < n; r++) {
    const j = sourceRow(rows, r);
    if (j >= 0 && (bitmap === null || bitAt(bitmap, d.offset + j))) present[r] = 1;
    else nullCount++;
  }
  return { present, nullCount };
}

function bitmapOf(present: Uint8Array, n: number): Uint8Array {
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) if (present[r] !== 0) bitmap[r >> 3]! |= 1 << (r & 7);
  return bitmap;
}

/** Copies `words` 32-bit words per present row (the slots of absent rows stay zero). */
function copyWords(src: Int32Array, dst: Int32Array, words: number, rows: RowMap, present: Uint8Array, n: number): void {
  if (words === 2) {
    // 64-bit values (int64, timestamps, float64): the common case, unrolled.
    for (let r = 0; r < n; r++) {
      if (present[r] === 0) continue;
      const s = 2 * sourceRow(rows, r);
      dst[2 * r] = src[s]!;
      dst[2 * r + 1] = src[s + 1]!;
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    if (present[r] === 0) continue;
    const s = sourceRow(rows, r) * words;
    const o = r * words;
    for (let w = 0; w < words; w++) dst[o + w] = src[s + w]!;
  }
}

type FixedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function gatherFixed(field: Field, type: arrow.DataType, d: arrow.Data, rows: RowMap, present: Uint8Array, n: number): FixedArray {
  const src = d.values as FixedArray;
  const stride = field.type.kind === 'decimal' ? 4 : 1;
  const Ctor = (type as arrow.Int).ArrayType as unknown as new (n: number) => FixedArray;
  const out = new Ctor(n * stride);
  const bytes = out.BYTES_PER_ELEMENT * stride;
  if (bytes >= 4) {
    copyWords(new Int32Array(src.buffer, src.byteOffset, (src.byteLength >> 2)), new Int32Array(out.buffer), bytes >> 2, rows, present, n);
  } else {
    const s = src as Int8Array;
    const o = out as Int8Array;
    for (let r = 0; r < n; r++) if (present[r] !== 0) o[r] = s[sourceRow(rows, r)]!;
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

function gatherBool(d: arrow.Data, rows: RowMap, present: Uint8Array, n: number): Uint8Array {
  const src = d.values as Uint8Array;
  const out = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) if (present[r] !== 0 && bitAt(src, d.offset + sourceRow(rows, r))) out[r >> 3]! |= 1 << (r & 7);
  return out;
}

function gatherVar(field: Field, d: arrow.Data, rows: RowMap, present: Uint8Array, n: number): { offsets: Int32Array | BigInt64Array; bytes: Uint8Array } {
  const raw = d.valueOffsets as Int32Array | BigInt64Array;
  const src = raw instanceof Int32Array ? raw : Float64Array.from(raw, Number);
  const data = d.values as Uint8Array;
  let total = 0;
  for (let r = 0; r < n; r++) {
    if (present[r] === 0) continue;
    const j = sourceRow(rows, r);
    total += src[j + 1]! - src[j]!;
  }
  const large = field.type.kind === 'large_utf8';
  if (!large && total > 2 ** 31 - 1) {
    throw new FvError('TYPE_ERROR', `column "${field.name}": ${total} bytes of ${typeToString(field.type)} data exceed the 2 GiB limit of one chunk`, { hint: 'use large_utf8 or smaller chunks' });
  }
  const bytes = new Uint8Array(total);
  const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  let pos = 0;
  for (let r = 0; r < n; r++) {
    if (present[r] !== 0) {
      const j = sourceRow(rows, r);
      const start = src[j]!;
      const end = src[j + 1]!;
      // Most values are short: a byte loop beats making a subarray per value.
      if (end - start > 64) bytes.set(data.subarray(start, end), pos);
      else for (let k = start; k < end; k++) bytes[pos + k - start] = data[k]!;
      pos += end - start;
    }
    if (large) (offsets as BigInt64Array)[r + 1] = BigInt(pos);
    else (offsets as Int32Array)[r + 1] = pos;
  }
  return { offsets, bytes };
}

/**
 * The canonical column of `field` whose row r is row rows[r] of `d` (null
 * where rows[r] is -1; every row of `d` in order when rows is null), `n`
 * rows long. `d` holds values of `field`'s type (any offset width for text).
 */
export function gatherColumn(field: Field, d: arrow.Data, rows: RowMap, n: number): arrow.Data {
  const type = fvTypeToArrow(field.type);
  const { present, nullCount } = presence(d, rows, n);
  const base = { length: n, nullCount, nullBitmap: nullCount > 0 ? bitmapOf(present, n) : undefined };
  switch (field.type.kind) {
    case 'bool':
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: gatherBool(d, rows, present, n) });
    case 'utf8':
    case 'large_utf8':
    case 'binary': {
      const { offsets, bytes } = gatherVar(field, d, rows, present, n);
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets as Int32Array, data: bytes });
    }
    default:
      return arrow.makeData({ ...base, type: type as arrow.Int, data: gatherFixed(field, type, d, rows, present, n) as Int32Array });
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
