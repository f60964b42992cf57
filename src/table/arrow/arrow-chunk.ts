/**
 * Arrow IPC encoding of a chunk straight from ColumnStore's typed columns.
 *
 * The store hands over gathered typed arrays and this module writes the
 * bytes apache-arrow's writer gives for the same values encoded by
 * arrow-codec.ts's encodeColumn (zeroed slots under nulls, a validity
 * bitmap iff there is a null, the canonical quiet NaN, every buffer padded
 * to 8 bytes): the file around the body comes from the schema's template
 * (ipc-template.ts) and each column's buffers are written straight into the
 * body, with no arrow.Data, vectors or writer per chunk. The golden-hash
 * tests and test/unit/arrow/ipc-template.test.ts pin the bytes.
 */
import { FvError } from '../../errors/FvError.js';
import type { Field, FvType, Value } from '../types.js';
import { typeToString } from '../types.js';
import { encodeValueColumn } from './arrow-codec.js';
import { fvTypeToArrow } from './arrow-types.js';
import { ipcTemplate } from './ipc-template.js';

/** One column's values for rows of a chunk, gathered in chunk order. `valid`: 1 = present; null = no nulls. */
export type GatheredColumn =
  /** int8..uint32, date32, float32/64 (nulls hold 0). */
  | { kind: 'number'; values: Float64Array; valid: Uint8Array | null }
  /** int64, uint64, timestamps: two little-endian 32-bit words per value (nulls hold 0). */
  | { kind: 'int64'; words: Uint32Array; valid: Uint8Array | null }
  /** 0 false, 1 true, 2 null. */
  | { kind: 'bool'; values: Uint8Array }
  /** UTF-8 bytes of the chunk's strings back to back; offsets has n + 1 entries. */
  | { kind: 'utf8'; bytes: Uint8Array; offsets: Int32Array; valid: Uint8Array | null }
  | { kind: 'values'; values: Value[] };

/** One buffer of the record batch body: its unpadded byte length, and how to write it into zeroed bytes at `at` (8-aligned in `file`). */
interface BodyBuffer {
  length: number;
  fill(file: Uint8Array, at: number): void;
}

const NO_BYTES: BodyBuffer = { length: 0, fill: () => {} };

function bytesBuffer(src: Uint8Array): BodyBuffer {
  return { length: src.length, fill: (file, at) => file.set(src, at) };
}

/** A bit per row, set where `test` holds. */
function bitmapBuffer(n: number, test: (i: number) => boolean): BodyBuffer {
  return {
    length: (n + 7) >> 3,
    fill: (file, at) => {
      for (let i = 0; i < n; i++) if (test(i)) file[at + (i >> 3)]! |= 1 << (i & 7);
    },
  };
}

function countNulls(valid: Uint8Array | null, n: number): number {
  if (valid === null) return 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) if (valid[i] === 0) nulls++;
  return nulls;
}

/** The validity buffer: a bitmap iff there is a null, else the empty placeholder. */
function validityBuffer(valid: Uint8Array | null, nulls: number, n: number): BodyBuffer {
  return valid === null || nulls === 0 ? NO_BYTES : bitmapBuffer(n, (i) => valid[i] !== 0);
}

type IntArrayCtor = Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor;

const INT_ARRAYS: Partial<Record<FvType['kind'], IntArrayCtor>> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, date32: Int32Array,
};

/** Float data with every NaN written as the standard quiet NaN (the bits a NaN keeps through a float array are engine-defined). */
function floatBuffer(values: Float64Array, n: number, single: boolean): BodyBuffer {
  return {
    length: n * (single ? 4 : 8),
    fill: (file, at) => {
      const out = single ? new Float32Array(file.buffer, at, n) : new Float64Array(file.buffer, at, n);
      const bits = new Uint32Array(file.buffer, at, single ? n : 2 * n);
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v !== v) {
          if (single) bits[i] = 0x7fc00000;
          else (bits[2 * i] = 0), (bits[2 * i + 1] = 0x7ff80000);
        } else out[i] = v;
      }
    },
  };
}

function intBuffer(values: Float64Array, n: number, Ctor: IntArrayCtor): BodyBuffer {
  return {
    length: n * Ctor.BYTES_PER_ELEMENT,
    fill: (file, at) => {
      const out = new Ctor(file.buffer as ArrayBuffer, at, n);
      for (let i = 0; i < n; i++) out[i] = values[i]!;
    },
  };
}

/** 64-bit offsets for large_utf8 from the gathered 32-bit ones (always non-negative). */
function largeOffsetsBuffer(offsets: Int32Array, n: number): BodyBuffer {
  return {
    length: (n + 1) * 8,
    fill: (file, at) => {
      const words = new Uint32Array(file.buffer, at, 2 * (n + 1));
      for (let i = 0; i <= n; i++) words[2 * i] = offsets[i]!;
    },
  };
}

function viewBytes(a: ArrayBufferView, length: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, length);
}

/** Binary and decimal columns, gathered as plain values: encoded (and type-checked) by arrow-codec.ts, then copied. */
function valueColumnBuffers(f: Field, values: Value[], n: number, out: BodyBuffer[]): number {
  const data = encodeValueColumn(f, fvTypeToArrow(f.type), values, n);
  const nulls = data.nullCount;
  out.push(nulls > 0 ? bytesBuffer(viewBytes(data.nullBitmap!, (n + 7) >> 3)) : NO_BYTES);
  if (f.type.kind === 'binary') {
    const offsets = data.valueOffsets as Int32Array;
    out.push(bytesBuffer(viewBytes(offsets, (n + 1) * 4)), bytesBuffer(viewBytes(data.values as Uint8Array, offsets[n]!)));
  } else if (f.type.kind === 'decimal') out.push(bytesBuffer(viewBytes(data.values as Uint32Array, n * 16)));
  else throw new Error(`no Arrow body layout for gathered ${f.type.kind} values`);
  return nulls;
}

/** Appends column `g`'s buffers, in Arrow's order (validity first), to `out`; returns its null count. */
function columnBuffers(f: Field, g: GatheredColumn, n: number, out: BodyBuffer[]): number {
  const t = f.type;
  switch (g.kind) {
    case 'values':
      return valueColumnBuffers(f, g.values, n, out);
    case 'number': {
      const nulls = countNulls(g.valid, n);
      const Ctor = INT_ARRAYS[t.kind];
      out.push(validityBuffer(g.valid, nulls, n), Ctor === undefined ? floatBuffer(g.values, n, t.kind === 'float32') : intBuffer(g.values, n, Ctor));
      return nulls;
    }
    case 'int64': {
      const nulls = countNulls(g.valid, n);
      out.push(validityBuffer(g.valid, nulls, n), bytesBuffer(viewBytes(g.words, n * 8)));
      return nulls;
    }
    case 'bool': {
      const v = g.values;
      let nulls = 0;
      for (let i = 0; i < n; i++) if (v[i] === 2) nulls++;
      out.push(nulls === 0 ? NO_BYTES : bitmapBuffer(n, (i) => v[i] !== 2), bitmapBuffer(n, (i) => v[i] === 1));
      return nulls;
    }
    case 'utf8': {
      const nulls = countNulls(g.valid, n);
      const offsets = t.kind === 'large_utf8' ? largeOffsetsBuffer(g.offsets, n) : bytesBuffer(viewBytes(g.offsets, (n + 1) * 4));
      out.push(validityBuffer(g.valid, nulls, n), offsets, bytesBuffer(g.bytes.subarray(0, g.offsets[n]!)));
      return nulls;
    }
  }
}

/** The chunk's Arrow IPC file: the bytes encodeArrowIpc gives for the same rows. */
export function encodeArrowChunk(fields: Field[], columns: GatheredColumn[], n: number): Uint8Array {
  const names = new Set(fields.map((f) => f.name));
  if (names.size !== fields.length) throw new FvError('TYPE_ERROR', `duplicate column name in ${fields.map((f) => `${f.name}:${typeToString(f.type)}`).join(', ')}`);
  const buffers: BodyBuffer[] = [];
  const nullCounts = fields.map((f, c) => columnBuffers(f, columns[c]!, n, buffers));
  const bufferLengths = buffers.map((b) => (b.length + 7) & ~7);
  const { file, bodyOffset } = ipcTemplate(fields, n).write({ rows: n, nullCounts, bufferLengths });
  let at = bodyOffset;
  for (let b = 0; b < buffers.length; b++) {
    buffers[b]!.fill(file, at);
    at += bufferLengths[b]!;
  }
  return file;
}
