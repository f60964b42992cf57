/**
 * A stored chunk's column buffers, read without apache-arrow.
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
 *
 * Nothing here imports apache-arrow (loading it costs ~0.15 CPU-s): a diff
 * compares these buffers as they are, and chunk-columns.ts wraps them as
 * arrow.Data for readers that want Arrow.
 */
import { isUtf8 } from 'node:buffer';
import type { Field, FvType, TimeUnit } from '../types.js';
import { isIntegerKind } from '../types.js';
import type { FbTable } from './arrow-ipc-verify.js';
import { FbReader, hasMagicAt, verifyFile } from './arrow-ipc-verify.js';

/** The typed arrays apache-arrow uses for fixed-width values (a decimal128 is four 32-bit words). */
export type FixedValues = Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | Float32Array | Float64Array;

/** One column of a chunk: views over the chunk's bytes, `rows` long. */
export interface ChunkColumn {
  nullCount: number;
  /** The validity bitmap (bit set = present) when the column has nulls, else null. */
  validity: Uint8Array | null;
  /** utf8 and binary: value i is values[offsets[i] .. offsets[i + 1]); null for other layouts. */
  offsets: Int32Array | null;
  /** Fixed-width: the values (Arrow's array type for the field); bool: the value bitmap; utf8 and binary: the data bytes. */
  values: FixedValues;
}

type FixedKind = Exclude<FvType['kind'], 'bool' | 'utf8' | 'large_utf8' | 'binary'>;

/** Apache Arrow's ArrayType for each fixed-width kind (the arrays arrow.Data holds for it). */
const FIXED_ARRAY: Record<FixedKind, { new (buffer: ArrayBufferLike, byteOffset: number, length: number): FixedValues; BYTES_PER_ELEMENT: number }> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  float32: Float32Array, float64: Float64Array, date32: Int32Array, timestamp: BigInt64Array, decimal: Uint32Array,
};

const isContinuationByte = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** Offsets ascend within the data, and every value is valid UTF-8 on its own (as the strict per-value decoder requires). */
function varColumnSound(offsets: Int32Array, data: Uint8Array, n: number, text: boolean): boolean {
  if (offsets.length < n + 1 || offsets[0]! < 0 || offsets[n]! > data.length) return false;
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

function columnSound(field: Field, c: ChunkColumn, n: number): boolean {
  if (c.nullCount > 0 && (c.validity === null || c.validity.length * 8 < n)) return false;
  switch (field.type.kind) {
    case 'bool':
      return c.values.length * 8 >= n;
    case 'utf8':
    case 'binary':
      return varColumnSound(c.offsets!, c.values as Uint8Array, n, field.type.kind === 'utf8');
    default:
      return c.values.length >= n * (field.type.kind === 'decimal' ? 4 : 1);
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
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** UTF-8 of each field's name, encoded once per manifest field rather than once per chunk read. */
const nameBytes = new WeakMap<Field, Uint8Array>();

function encodedName(f: Field): Uint8Array {
  let b = nameBytes.get(f);
  if (b === undefined) nameBytes.set(f, (b = textEncoder.encode(f.name)));
  return b;
}

/** Whether schema field `f` (of the footer read by `r` over `bytes`) is exactly the canonical Arrow field fv writes for `want`. */
function fieldMatches(r: FbReader, bytes: Uint8Array, f: FbTable, want: Field): boolean {
  if (!sameBytes(stringBytes(r, bytes, f, 0), encodedName(want))) return false;
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

/** Reads the (verified) footer and the one record batch message of an IPC file into views over `input`. */
function readBatch(input: Uint8Array, fields: Field[], rows: number): ChunkColumn[] | null {
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
  /** `count` elements over `bytes`, or null when misaligned or short. */
  const typed = <T>(bytes: Uint8Array, Ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number }, count: number): T | null => {
    const abs = bytes.byteOffset;
    if (abs % Ctor.BYTES_PER_ELEMENT !== 0 || bytes.length < count * Ctor.BYTES_PER_ELEMENT) return null;
    return new Ctor(bytes.buffer, abs, count);
  };
  const columns: ChunkColumn[] = [];
  for (let i = 0; i < fields.length; i++) {
    const kind = fields[i]!.type.kind;
    const nullCount = meta.i64(nodes.start + 16 * i + 8);
    const validity = buffer();
    const base = { nullCount, validity: nullCount > 0 ? validity : null };
    if (kind === 'utf8' || kind === 'binary') {
      const offsets = typed(buffer(), Int32Array, rows + 1);
      if (offsets === null) return null;
      columns.push({ ...base, offsets, values: buffer() });
    } else if (kind === 'bool') {
      columns.push({ ...base, offsets: null, values: buffer() });
    } else if (kind === 'large_utf8') {
      return null; // 64-bit offsets: rare; the general decoder handles them
    } else {
      const values = typed(buffer(), FIXED_ARRAY[kind], rows * (kind === 'decimal' ? 4 : 1));
      if (values === null) return null;
      columns.push({ ...base, offsets: null, values });
    }
  }
  return b === buffers.length ? columns : null;
}

/** The chunk's column buffers (`rows` long, of `fields`' canonical Arrow layouts), or null when it is not in fv's own layout. */
export function readChunkBuffers(bytes: Uint8Array, fields: Field[], rows: number): ChunkColumn[] | null {
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
