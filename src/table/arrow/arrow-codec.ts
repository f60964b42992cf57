/**
 * TableData <-> Arrow IPC bytes.
 *
 * Encoding is CANONICAL: chunk files are content-addressed, so the same
 * fields and values must give byte-identical output in every process and on
 * every run, or identical data would be stored (and diffed) twice. Arrow IPC
 * leaves writers a lot of freedom, so every choice is pinned here:
 *   - the schema is built explicitly: every field nullable, no field or schema
 *     metadata, never dictionary-encoded (dictionary ids are auto-assigned
 *     process-wide by apache-arrow, so they would leak into the bytes);
 *   - each column's Data is made with arrow.makeData from typed arrays filled
 *     here (not via builders, whose buffer capacities/padding depend on growth
 *     history), sized exactly, with zeroed slots under nulls;
 *   - a validity bitmap is written iff the column has at least one null;
 *   - NaN is stored as the standard quiet NaN (payload bits dropped), -0 stays -0;
 *   - exactly one record batch per call, even for zero rows.
 *
 * Decoding accepts IPC file or stream format from any writer and returns the
 * exact values described in types.ts. Raw value buffers are read directly
 * (apache-arrow's `.get()` turns 64-bit timestamps into lossy millisecond
 * numbers). Arrow JS convention, which this module follows: after a slice,
 * value/offset/view buffers are already sliced (index `i`), while validity
 * and boolean bitmaps are not (bit `data.offset + i`).
 *
 * Input is untrusted: apache-arrow silently stops at a truncated stream or a
 * truncated file, trusts flatbuffer lengths (a flipped byte can make it
 * allocate until the process dies) and happily builds Data whose declared
 * length exceeds its buffers. So the message framing and every flatbuffer it
 * will read are verified here first, every buffer is bounds-checked before it
 * is read, and any failure becomes FvError BAD_INPUT.
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { FvError, isFvError } from '../../errors/FvError.js';
import type { TableData } from '../table-data.js';
import { typeToString, type Field, type Value } from '../types.js';
import { hasMagicAt, malformed, MAX_ROWS, UnsupportedInput, verifyFile, verifyStream } from './arrow-ipc-verify.js';
import { arrowTypeToFv, fvTypeToArrow } from './arrow-types.js';

export type IpcFormat = 'file' | 'stream';

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/**
 * Serialises `t` as one Arrow IPC record batch in `opts.format`. Same fields
 * and values => same bytes. Throws FvError TYPE_ERROR if a value does not
 * match its column's type (typed arrays would otherwise wrap it silently).
 */
export function encodeArrowIpc(t: TableData, opts: { format: IpcFormat }): Uint8Array {
  const n = t.rowCount;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ROWS) throw new FvError('TYPE_ERROR', `cannot encode a table of ${n} rows`);
  if (t.columns.length !== t.fields.length) {
    throw new FvError('TYPE_ERROR', `table has ${t.fields.length} fields but ${t.columns.length} columns`);
  }
  const dup = duplicateName(t.fields.map((f) => f.name));
  if (dup !== null) throw duplicateError(dup, '');
  const arrowFields = t.fields.map((f) => new arrow.Field(f.name, fvTypeToArrow(f.type), true, new Map()));
  const children = t.fields.map((f, i) => {
    const col = t.columns[i]!;
    if (col.length !== n) throw new FvError('TYPE_ERROR', `column "${f.name}" has ${col.length} values, expected ${n}`);
    return encodeColumn(f, arrowFields[i]!.type, col, n);
  });
  return writeIpc(arrowFields, children, n, opts.format);
}

/** The one record batch of `children` under `arrowFields`, as IPC bytes (shared by arrow-chunk.ts). */
export function writeIpc(arrowFields: arrow.Field[], children: arrow.Data[], n: number, format: IpcFormat): Uint8Array {
  const schema = new arrow.Schema(arrowFields, new Map());
  const data = arrow.makeData({ type: new arrow.Struct(arrowFields), length: n, nullCount: 0, children });
  const batch = new arrow.RecordBatch(schema, data, new Map());
  const Writer = format === 'file' ? arrow.RecordBatchFileWriter : arrow.RecordBatchStreamWriter;
  return Writer.writeAll([batch]).toUint8Array(true);
}

/** encodeColumn for one column given as plain values (arrow-chunk.ts falls back to it). */
export function encodeValueColumn(f: Field, type: arrow.DataType, col: Value[], n: number): arrow.Data {
  return encodeColumn(f, type, col, n);
}

/**
 * apache-arrow merges schema fields BY NAME when it builds a record batch
 * (Schema.assign in the RecordBatch constructor), so with two columns of the
 * same name the first one's type is silently replaced by the second's and
 * the data no longer matches the schema. Duplicate names are therefore
 * refused on both sides rather than corrupted.
 */
function duplicateName(names: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return null;
}

function duplicateError(name: string, prefix: string): FvError {
  return new FvError('UNSUPPORTED', `${prefix}column name "${name}" appears more than once`, { hint: 'column names must be unique' });
}


const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], date32: [-2147483648, 2147483647],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function describe(v: Value | undefined): string {
  if (v instanceof Uint8Array) return `binary(${v.length} bytes)`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'bigint') return `${v}n`;
  return String(v);
}

function typeError(f: Field, row: number, v: Value | undefined): FvError {
  return new FvError('TYPE_ERROR', `column "${f.name}" row ${row}: ${describe(v)} is not a valid ${typeToString(f.type)} value`);
}

interface Validity { nullCount: number; nullBitmap: Uint8Array | undefined }

/** One validity rule for every column: a bitmap iff there is at least one null. */
function buildValidity(col: Value[], n: number): Validity {
  let nullCount = 0;
  for (let i = 0; i < n; i++) if (col[i] === null) nullCount++;
  if (nullCount === 0) return { nullCount, nullBitmap: undefined };
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (col[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { nullCount, nullBitmap: bitmap };
}

function encodeColumn(f: Field, type: arrow.DataType, col: Value[], n: number): arrow.Data {
  const { nullCount, nullBitmap } = buildValidity(col, n);
  const base = { length: n, nullCount, nullBitmap };
  const t = f.type;
  switch (t.kind) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32': case 'date32': {
      const Ctor = (type as arrow.Int | arrow.DateDay).ArrayType as Int32ArrayConstructor;
      const values = new Ctor(n);
      const [min, max] = INT_RANGES[t.kind]!;
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v === null) continue;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw typeError(f, i, v);
        values[i] = v;
      }
      return t.kind === 'date32'
        ? arrow.makeData({ ...base, type: type as arrow.DateDay, data: values })
        : arrow.makeData({ ...base, type: type as arrow.Int, data: values });
    }
    case 'int64': case 'uint64': case 'timestamp': {
      const signed = t.kind !== 'uint64';
      const values = signed ? new BigInt64Array(n) : new BigUint64Array(n);
      const min = signed ? INT64_MIN : 0n;
      const max = signed ? INT64_MAX : UINT64_MAX;
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v === null) continue;
        if (typeof v !== 'bigint' || v < min || v > max) throw typeError(f, i, v);
        values[i] = v;
      }
      return t.kind === 'timestamp'
        ? arrow.makeData({ ...base, type: type as arrow.Timestamp, data: values as BigInt64Array })
        : arrow.makeData({ ...base, type: type as arrow.Int, data: values });
    }
    case 'float32': case 'float64':
      return arrow.makeData({ ...base, type: type as arrow.Float, data: encodeFloats(f, col, n, t.kind === 'float32') });
    case 'bool': {
      const values = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v === null) continue;
        if (typeof v !== 'boolean') throw typeError(f, i, v);
        if (v) values[i >> 3]! |= 1 << (i & 7);
      }
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: values });
    }
    case 'utf8': case 'large_utf8': case 'binary': {
      const { offsets, bytes } = encodeVarWidth(f, col, n, t.kind === 'large_utf8');
      if (t.kind === 'binary') return arrow.makeData({ ...base, type: type as arrow.Binary, valueOffsets: offsets as Int32Array, data: bytes });
      if (t.kind === 'utf8') return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets as Int32Array, data: bytes });
      return arrow.makeData({ ...base, type: type as arrow.LargeUtf8, valueOffsets: offsets, data: bytes });
    }
    case 'decimal': {
      // 128-bit little-endian two's complement: low 64 bits, then high 64 bits
      // (typed arrays use the platform byte order; Node only runs little-endian).
      const halves = new BigInt64Array(n * 2);
      const limit = 10n ** BigInt(t.precision);
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v === null) continue;
        if (typeof v !== 'bigint' || v >= limit || v <= -limit) throw typeError(f, i, v);
        halves[2 * i] = BigInt.asIntN(64, v); // the typed array keeps the low 64 bits
        halves[2 * i + 1] = v >> 64n; // arithmetic shift: 0n or -1n unless |v| >= 2^63
      }
      return arrow.makeData({ ...base, type: type as arrow.Decimal, data: new Uint32Array(halves.buffer) });
    }
  }
}

function encodeFloats(f: Field, col: Value[], n: number, single: boolean): Float32Array | Float64Array {
  const values = single ? new Float32Array(n) : new Float64Array(n);
  // Overwrite NaNs through an integer view: the bits of a NaN stored through
  // a float array are engine-defined (payloads may survive), canonical bytes
  // need one NaN. The standard quiet NaN is 0x7fc00000 / 0x7ff8000000000000.
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === null) continue;
    if (typeof v !== 'number') throw typeError(f, i, v);
    if (Number.isNaN(v)) {
      if (single) bits[i] = 0x7fc00000;
      else { bits[2 * i] = 0; bits[2 * i + 1] = 0x7ff80000; }
    } else {
      values[i] = v;
    }
  }
  return values;
}

/**
 * Offsets + bytes for utf8/large_utf8/binary. Strings are measured and then
 * written straight into one zero-filled buffer with Node's native UTF-8
 * codec (several times faster than a TextEncoder.encode per value); a lone
 * surrogate becomes U+FFFD, deterministically.
 */
function encodeVarWidth(f: Field, col: Value[], n: number, large: boolean): { offsets: Int32Array | BigInt64Array; bytes: Uint8Array } {
  const isString = f.type.kind !== 'binary';
  const lengths = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === null) continue;
    let len: number;
    if (isString && typeof v === 'string') len = Buffer.byteLength(v, 'utf8');
    else if (!isString && v instanceof Uint8Array) len = v.length;
    else throw typeError(f, i, v);
    lengths[i] = len;
    total += len;
  }
  if (!large && total > 2 ** 31 - 1) {
    throw new FvError('TYPE_ERROR', `column "${f.name}": ${total} bytes of ${typeToString(f.type)} data exceed the 2 GiB limit of one chunk`, { hint: 'use large_utf8 or smaller chunks' });
  }
  const buf = Buffer.alloc(total);
  const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = col[i]!;
    if (v !== null) {
      if (typeof v === 'string') buf.write(v, pos, 'utf8');
      else buf.set(v as Uint8Array, pos);
      pos += lengths[i]!;
    }
    if (large) (offsets as BigInt64Array)[i + 1] = BigInt(pos);
    else (offsets as Int32Array)[i + 1] = pos;
  }
  return { offsets, bytes: new Uint8Array(buf.buffer, buf.byteOffset, total) };
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/**
 * Decodes an Arrow IPC file or stream (detected by the leading ARROW1 magic)
 * with any number of record batches into one TableData. Malformed input
 * gives FvError BAD_INPUT naming `fileName`; a well-formed file with a
 * column type fv cannot represent gives FvError UNSUPPORTED.
 */
export function decodeArrowIpc(bytes: Uint8Array, fileName?: string): TableData {
  const name = fileName ?? 'Arrow data';
  try {
    // Typed-array views over the input must be aligned to their element size;
    // a Buffer slice from a pool may not be, so copy in that (rare) case.
    const input = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    const isFile = hasMagicAt(input, 0);
    // Everything apache-arrow will parse is verified first (see verifyFile).
    const shape = isFile ? verifyFile(input) : verifyStream(input);

    const reader = arrow.RecordBatchReader.from(input);
    reader.open();
    const schema = reader.schema as arrow.Schema | undefined | null;
    if (!schema) malformed('no schema');
    // Reject unsupported columns before reading any data. What remains is a
    // flat schema: one field node per column, each as long as its batch.
    for (const f of schema.fields) arrowTypeToFv(f.type, f.name);
    const dup = duplicateName(schema.fields.map((f) => (typeof f.name === 'string' ? f.name : '')));
    if (dup !== null) throw duplicateError(dup, `${name}: `);
    if (!shape.lengthsConsistent) malformed('column length differs from its record batch length');
    const batches: arrow.RecordBatch[] = [];
    if (reader.isFile()) {
      // Read exactly the batches the footer lists; the iterator would stop
      // silently at the first block it cannot read.
      for (let i = 0; i < shape.recordBatches; i++) {
        const b = reader.readRecordBatch(i) as arrow.RecordBatch | null;
        if (!b) malformed(`record batch ${i} is unreadable`);
        batches.push(b);
      }
    } else {
      for (const b of reader) batches.push(b);
      if (batches.length < shape.recordBatches) malformed('record batches missing');
    }
    return tableDataFromArrow(schema, batches, name);
  } catch (e) {
    if (isFvError(e)) throw e;
    if (e instanceof UnsupportedInput) throw new FvError('UNSUPPORTED', `${name}: ${e.message}`, { hint: e.hint });
    throw new FvError('BAD_INPUT', `${name}: not a valid Arrow IPC file (${shortReason(e)})`, { cause: e });
  }
}

function shortReason(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'metadata nested too deeply';
  // apache-arrow fails with TypeErrors (reading properties of undefined) when
  // the metadata is self-inconsistent, e.g. fewer field nodes than fields.
  if (e instanceof TypeError) return 'inconsistent metadata';
  const msg = e instanceof Error ? e.message : String(e);
  const line = (msg.split('\n')[0] ?? '').trim() || 'unreadable';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/**
 * Converts apache-arrow record batches (all of `schema`) into one TableData,
 * reading raw buffers so that every value is exact. Exposed for callers that
 * already hold Arrow data (and for tests of sliced data); decodeArrowIpc is
 * the usual entry point. Throws FvError UNSUPPORTED for column types fv does
 * not have and BAD_INPUT (naming `fileName`) for inconsistent buffers.
 */
export function tableDataFromArrow(schema: arrow.Schema, batches: readonly arrow.RecordBatch[], fileName: string): TableData {
  // An empty name is stored as an absent one (Arrow JS writes it that way), which reads back as null.
  const fields: Field[] = schema.fields.map((f) => {
    const name = typeof f.name === 'string' ? f.name : '';
    return { name, type: arrowTypeToFv(f.type, name) };
  });
  const columns: Value[][] = fields.map(() => []);
  const dictCache = new Map<arrow.Vector, Value[]>();
  let rowCount = 0;
  try {
    for (const batch of batches) {
      const n = batch.numRows;
      if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ROWS) malformed(`record batch length ${n} out of range`);
      if (rowCount + n > MAX_ROWS) malformed('more rows than fv can hold in one table');
      const children = batch.data.children;
      if (children.length !== fields.length) malformed('record batch does not match the schema');
      for (let c = 0; c < fields.length; c++) {
        const data = children[c]!;
        if (data.length !== n) malformed(`column "${fields[c]!.name}" has ${data.length} values in a batch of ${n}`);
        readColumn(data, fields[c]!, columns[c]!, dictCache);
      }
      rowCount += n;
    }
  } catch (e) {
    if (isFvError(e)) throw e;
    throw new FvError('BAD_INPUT', `${fileName}: not a valid Arrow IPC file (${shortReason(e)})`, { cause: e });
  }
  return { fields, columns, rowCount };
}

/** Validity lookup for `data`, or null when every slot is valid. */
function validityOf(data: arrow.Data): ((i: number) => boolean) | null {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  const hasBitmap = bitmap !== undefined && bitmap.length > 0;
  // nullCount comes from the IPC field node (or is computed from the bitmap).
  const nullCount = data.nullCount;
  if (nullCount === 0 || (!hasBitmap && nullCount < 0)) return null;
  if (!hasBitmap) malformed('validity bitmap missing for a column with nulls');
  const offset = data.offset;
  if (bitmap.length * 8 < offset + data.length) malformed('validity bitmap shorter than the column');
  return (i) => {
    const p = offset + i;
    return (bitmap[p >> 3]! & (1 << (p & 7))) !== 0;
  };
}

function need(ok: boolean, what: string): void {
  if (!ok) malformed(`${what} buffer shorter than the column`);
}

/** Appends the values of one column chunk (`data`) to `out`. */
function readColumn(data: arrow.Data, field: Field, out: Value[], dictCache: Map<arrow.Vector, Value[]>): void {
  const n = data.length;
  // Nothing to read (and a zero-row batch may legitimately lack buffers or a dictionary).
  if (n === 0) return;
  const valid = validityOf(data);
  const type = data.type as arrow.DataType;
  const put = (get: (i: number) => Value): void => {
    for (let i = 0; i < n; i++) out.push(valid === null || valid(i) ? get(i) : null);
  };

  switch (type.typeId) {
    case arrow.Type.Dictionary: {
      const dictVector = data.dictionary;
      if (!dictVector) malformed(`column "${field.name}" refers to a missing dictionary`);
      let dict = dictCache.get(dictVector);
      if (!dict) {
        dict = [];
        for (const chunk of dictVector.data) readColumn(chunk, field, dict, dictCache);
        dictCache.set(dictVector, dict);
      }
      const indices = data.values as ArrayLike<number | bigint>;
      need(indices.length >= n, 'dictionary index');
      const size = dict.length;
      const d = dict;
      put((i) => {
        const k = Number(indices[i]!);
        if (!(k >= 0 && k < size)) malformed(`dictionary index ${k} out of range in column "${field.name}"`);
        const v = d[k]!;
        // Binary values are mutable Uint8Arrays: never share one between rows.
        return v instanceof Uint8Array ? v.slice() : v;
      });
      return;
    }
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date: {
      const values = data.values as ArrayLike<number | bigint>;
      need(values.length >= n, 'value');
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const v64 = values;
        put((i) => v64[i]!);
      } else {
        const v32 = values as ArrayLike<number>;
        put((i) => v32[i]!);
      }
      return;
    }
    case arrow.Type.Timestamp: {
      const values = data.values as BigInt64Array;
      if (!(values instanceof BigInt64Array)) malformed('timestamp buffer has the wrong type');
      need(values.length >= n, 'timestamp');
      put((i) => values[i]!);
      return;
    }
    case arrow.Type.Bool: {
      const values = data.values as Uint8Array;
      const offset = data.offset;
      need(values.length * 8 >= offset + n, 'boolean');
      put((i) => {
        const p = offset + i;
        return (values[p >> 3]! & (1 << (p & 7))) !== 0;
      });
      return;
    }
    case arrow.Type.Decimal: {
      const words = data.values as Uint32Array;
      need(words.length >= n * 4, 'decimal');
      if (words.byteOffset % 8 === 0) {
        // Fast path: read the two 64-bit halves; most values fit in the low half.
        const lo = new BigInt64Array(words.buffer, words.byteOffset, n * 2);
        const ulo = new BigUint64Array(words.buffer, words.byteOffset, n * 2);
        put((i) => {
          const low = lo[2 * i]!;
          const high = lo[2 * i + 1]!;
          if (high === (low < 0n ? -1n : 0n)) return low;
          return (high << 64n) | ulo[2 * i]!;
        });
      } else {
        put((i) => {
          const b = i * 4;
          const u = BigInt(words[b]!) | (BigInt(words[b + 1]!) << 32n) | (BigInt(words[b + 2]!) << 64n) | (BigInt(words[b + 3]!) << 96n);
          return BigInt.asIntN(128, u);
        });
      }
      return;
    }
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary: {
      const isString = type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.LargeUtf8;
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      need(offsets.length >= n + 1 || n === 0, 'offsets');
      const limit = bytes.length;
      const text = isString ? utf8Slicer(bytes, field.name) : null;
      put((i) => {
        const start = Number(offsets[i]!);
        const end = Number(offsets[i + 1]!);
        if (!(start >= 0 && start <= end && end <= limit)) malformed(`bad value offsets in column "${field.name}"`);
        return text ? text(start, end) : bytes.slice(start, end);
      });
      return;
    }
    case arrow.Type.Utf8View:
    case arrow.Type.BinaryView: {
      // 16-byte views: int32 length, then either the bytes inline (length <= 12)
      // or a 4-byte prefix, int32 buffer index and int32 offset into that buffer.
      const isString = type.typeId === arrow.Type.Utf8View;
      const views = data.values as Uint8Array;
      need(views.length >= n * 16, 'view');
      const dv = new DataView(views.buffer, views.byteOffset, views.byteLength);
      const buffers = data.variadicBuffers;
      put((i) => {
        const at = i * 16;
        const length = dv.getInt32(at, true);
        let src: Uint8Array;
        let start: number;
        if (length < 0) malformed(`bad view length in column "${field.name}"`);
        if (length <= 12) {
          src = views;
          start = at + 4;
        } else {
          const buf = buffers[dv.getInt32(at + 8, true)];
          start = dv.getInt32(at + 12, true);
          if (!buf || start < 0 || start + length > buf.length) malformed(`bad view in column "${field.name}"`);
          src = buf;
        }
        return isString ? decodeUtf8(src, start, start + length, field.name) : src.slice(start, start + length);
      });
      return;
    }
    default:
      // arrowTypeToFv has already rejected every other type.
      malformed(`unexpected Arrow type ${String(type)}`);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const isContinuationByte = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/**
 * Exact string extraction from one column's UTF-8 data buffer. When the whole
 * buffer is valid UTF-8 (checked once, natively) a value whose boundaries are
 * not inside a multi-byte sequence is valid too, and Node's native decoder
 * (which keeps a BOM, like ignoreBOM) is used; otherwise each value goes
 * through the strict decoder, so invalid data is reported, never replaced.
 */
function utf8Slicer(bytes: Uint8Array, column: string): (start: number, end: number) => string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wholeValid = isUtf8(bytes);
  return (start, end) => {
    if (start === end) return '';
    if (wholeValid && !isContinuationByte(bytes[start]) && !isContinuationByte(bytes[end])) return buf.toString('utf8', start, end);
    return decodeUtf8(bytes, start, end, column);
  };
}

/**
 * Decodes UTF-8 exactly; invalid UTF-8 is an input error rather than being
 * silently replaced (which would change the data). Short ASCII strings skip
 * TextDecoder, whose per-call overhead dominates for typical cell values.
 */
function decodeUtf8(bytes: Uint8Array, start: number, end: number, column: string): string {
  const len = end - start;
  if (len === 0) return '';
  if (len <= 32) {
    let ascii = true;
    for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  try {
    return utf8Decoder.decode(bytes.subarray(start, end));
  } catch {
    malformed(`invalid UTF-8 in column "${column}"`);
  }
}

