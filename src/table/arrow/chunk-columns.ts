/**
 * A stored chunk's columns as typed Arrow data, without a JS value per cell.
 *
 * Only chunks in the layout fv's own encoder writes are read here: an IPC
 * file with one record batch whose columns have exactly the Arrow types of
 * the manifest's fields (no dictionaries, views or 64-bit offsets for utf8),
 * with buffers long enough and text that is valid UTF-8 value by value.
 * Anything else gives null and the caller decodes the chunk the general way
 * (decodeArrowIpc), which also produces the precise error for a damaged
 * chunk. Structure is verified first (arrow-ipc-verify.ts: every flatbuffer
 * and buffer lies inside the bytes); the footer and the record batch
 * metadata are then read here directly, since for chunks of a few hundred
 * rows apache-arrow's reader cost more than everything else per chunk.
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import type { Field, FvType, TimeUnit } from '../types.js';
import { isIntegerKind } from '../types.js';
import type { FbTable } from './arrow-ipc-verify.js';
import { FbReader, hasMagicAt, verifyFile } from './arrow-ipc-verify.js';
import { fvTypeToArrow } from './arrow-types.js';

const isContinuationByte = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** Offsets ascend within the data, and every value is valid UTF-8 on its own (as the strict per-value decoder requires). */
function varColumnSound(d: arrow.Data, n: number, text: boolean): boolean {
  const offsets = d.valueOffsets as Int32Array;
  const data = d.values as Uint8Array;
  if (!(offsets instanceof Int32Array) || offsets.length < n + 1 || offsets[0]! < 0 || offsets[n]! > data.length) return false;
  for (let i = 0; i < n; i++) if (offsets[i]! > offsets[i + 1]!) return false;
  if (!text) return true;
  if (!isUtf8(data.subarray(offsets[0]!, offsets[n]!))) return false;
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    if (start !== end && (isContinuationByte(data[start]) || isContinuationByte(data[end]))) return false;
  }
  return true;
}

function columnSound(field: Field, d: arrow.Data, n: number): boolean {
  if (d.length !== n || d.offset !== 0) return false;
  const bitmap = d.nullBitmap as Uint8Array | undefined;
  if (d.nullCount > 0 && (bitmap === undefined || bitmap.length * 8 < n)) return false;
  switch (field.type.kind) {
    case 'bool':
      return (d.values as Uint8Array).length * 8 >= n;
    case 'utf8':
    case 'binary':
      return varColumnSound(d, n, field.type.kind === 'utf8');
    default:
      return (d.values as ArrayLike<number>).length >= n * (field.type.kind === 'decimal' ? 4 : 1);
  }
}

// Type union tags and enum values of Arrow's Schema.fbs.
const TAG: Partial<Record<FvType['kind'], number>> = { bool: 6, utf8: 5, binary: 4, float32: 3, float64: 3, date32: 8, timestamp: 10, decimal: 7 };
const INT_TAG = 2;
const TIME_UNIT: Record<TimeUnit, number> = { s: 0, ms: 1, us: 2, ns: 3 };
const textEncoder = new TextEncoder();

/** A scalar field of a verified flatbuffer table, or its schema default when absent. */
function scalar(r: FbReader, t: FbTable, index: number, width: 1 | 2 | 4, fallback: number): number {
  const p = r.field(t, index);
  if (p === 0) return fallback;
  return width === 1 ? r.u8(p) : width === 2 ? r.u16(p) : r.i32(p);
}

/** A string field's bytes, or null when absent. */
function stringBytes(r: FbReader, bytes: Uint8Array, t: FbTable, index: number): Uint8Array | null {
  const v = r.vector(t, index, 1);
  return v.start === 0 ? null : bytes.subarray(v.start, v.start + v.length);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether schema field `f` (of the footer read by `r` over `bytes`) is exactly the canonical Arrow field fv writes for `want`. */
function fieldMatches(r: FbReader, bytes: Uint8Array, f: FbTable, want: Field): boolean {
  if (!sameBytes(stringBytes(r, bytes, f, 0), textEncoder.encode(want.name))) return false;
  if (r.subTable(f, 4) !== null || r.vector(f, 5, 4).length !== 0) return false; // dictionary-encoded or nested
  const tag = scalar(r, f, 2, 1, 0);
  const type = r.subTable(f, 3);
  if (type === null) return false;
  const t = want.type;
  if (isIntegerKind(t)) return tag === INT_TAG && scalar(r, type, 0, 4, 0) === Number(t.kind.replace(/^u?int/, '')) && (scalar(r, type, 1, 1, 0) !== 0) === t.kind.startsWith('int');
  if (tag !== TAG[t.kind]) return false;
  switch (t.kind) {
    case 'float32':
    case 'float64':
      return scalar(r, type, 0, 2, 0) === (t.kind === 'float32' ? 1 : 2);
    case 'date32':
      return scalar(r, type, 0, 2, 1) === 0; // DAY (the default is MILLISECOND)
    case 'timestamp': {
      const tz = stringBytes(r, bytes, type, 1);
      return scalar(r, type, 0, 2, 0) === TIME_UNIT[t.unit] && sameBytes(tz !== null && tz.length === 0 ? null : tz, t.tz === null ? null : textEncoder.encode(t.tz));
    }
    case 'decimal':
      return scalar(r, type, 0, 4, 0) === t.precision && scalar(r, type, 1, 4, 0) === t.scale && scalar(r, type, 2, 4, 128) === 128;
    default:
      return true;
  }
}

/**
 * Reads the (verified) footer and the one record batch message of an IPC
 * file straight into arrow.Data views over `input`: apache-arrow's reader
 * costs more per chunk than copying a small chunk's columns does.
 */
function readBatch(input: Uint8Array, fields: Field[], rows: number): arrow.Data[] | null {
  const len = input.length;
  const footerLength = new DataView(input.buffer, input.byteOffset, len).getInt32(len - 10, true);
  const footerBytes = input.subarray(len - 10 - footerLength, len - 10);
  const footer = new FbReader(footerBytes);
  const root = footer.root();
  const schema = footer.subTable(root, 1)!;
  if (scalar(footer, schema, 0, 2, 0) !== 0) return null; // big-endian
  const schemaFields = footer.vector(schema, 1, 4);
  if (schemaFields.length !== fields.length) return null;
  for (let i = 0; i < fields.length; i++) if (!fieldMatches(footer, footerBytes, footer.tableAt(schemaFields.start, i), fields[i]!)) return null;
  const blocks = footer.vector(root, 3, 24);
  if (blocks.length !== 1) return null;
  const offset = footer.i64(blocks.start);

  // The message: 0xFFFFFFFF, int32 metadata length, metadata, body.
  const view = new DataView(input.buffer, input.byteOffset, len);
  if (view.getInt32(offset, true) !== -1) return null;
  const metaLength = view.getInt32(offset + 4, true);
  const metaBytes = input.subarray(offset + 8, offset + 8 + metaLength);
  const bodyStart = offset + 8 + metaLength;
  const meta = new FbReader(metaBytes);
  const message = meta.root();
  const batch = meta.subTable(message, 2)!;
  if (meta.scalarI64(batch, 0) !== rows) return null;
  const nodes = meta.vector(batch, 1, 16);
  const buffers = meta.vector(batch, 2, 16);
  if (nodes.length !== fields.length) return null;
  let b = 0;
  const buffer = (): Uint8Array => {
    if (b >= buffers.length) throw new RangeError('too few buffers');
    const at = buffers.start + 16 * b++;
    const start = bodyStart + meta.i64(at);
    return input.subarray(start, start + meta.i64(at + 8));
  };
  const view32 = (bytes: Uint8Array, Ctor: Int32ArrayConstructor, count: number): Int32Array | null => {
    const abs = bytes.byteOffset;
    if (abs % Ctor.BYTES_PER_ELEMENT !== 0 || bytes.length < count * Ctor.BYTES_PER_ELEMENT) return null;
    return new Ctor(bytes.buffer, abs, count);
  };
  const columns: arrow.Data[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const nullCount = meta.i64(nodes.start + 16 * i + 8);
    const validity = buffer();
    const nullBitmap = nullCount > 0 ? validity : undefined;
    const type = fvTypeToArrow(f.type);
    const base = { length: rows, nullCount, nullBitmap };
    if (f.type.kind === 'utf8' || f.type.kind === 'binary') {
      const valueOffsets = view32(buffer(), Int32Array, rows + 1);
      if (valueOffsets === null) return null;
      columns.push(arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets, data: buffer() }));
    } else if (f.type.kind === 'bool') {
      columns.push(arrow.makeData({ ...base, type: type as arrow.Bool, data: buffer() }));
    } else if (f.type.kind === 'large_utf8') {
      return null; // 64-bit offsets: rare; the general decoder handles them
    } else {
      const Ctor = (type as arrow.Int).ArrayType as unknown as Int32ArrayConstructor;
      const count = rows * (f.type.kind === 'decimal' ? 4 : 1);
      const values = view32(buffer(), Ctor, count);
      if (values === null) return null;
      columns.push(arrow.makeData({ ...base, type: type as arrow.Int, data: values }));
    }
  }
  return b === buffers.length ? columns : null;
}

/** The chunk's columns (offset 0, `rows` long, of `fields`' Arrow types), or null when it is not in fv's own layout. */
export function readChunkColumns(bytes: Uint8Array, fields: Field[], rows: number): arrow.Data[] | null {
  try {
    const input = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    if (!hasMagicAt(input, 0)) return null;
    const shape = verifyFile(input);
    if (shape.recordBatches !== 1 || !shape.lengthsConsistent) return null;
    const columns = readBatch(input, fields, rows);
    if (columns === null) return null;
    for (let i = 0; i < fields.length; i++) if (!columnSound(fields[i]!, columns[i]!, rows)) return null;
    return columns;
  } catch {
    // Damaged or unusual: the general decoder reports it precisely.
    return null;
  }
}
