/**
 * Arrow IPC encoding of a chunk straight from ColumnStore's typed columns.
 *
 * The table writer used to turn every chunk into plain values (a string per
 * cell decoded from UTF-8, a BigInt per 64-bit cell) only for
 * encodeArrowIpc to turn them back into typed arrays; that round trip and its
 * garbage were a large share of import time. Here the store hands over
 * gathered typed arrays and this module builds the very buffers
 * arrow-codec.ts's encodeColumn builds for the same values (zeroed slots
 * under nulls, a validity bitmap iff there is a null, the canonical quiet
 * NaN), so the bytes are identical; the golden-hash tests pin that.
 */
import * as arrow from 'apache-arrow';
import { FvError } from '../../errors/FvError.js';
import type { Field, Value } from '../types.js';
import { typeToString } from '../types.js';
import { encodeValueColumn, writeIpc } from './arrow-codec.js';
import { fvTypeToArrow } from './arrow-types.js';

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

function validity(valid: Uint8Array | null, n: number): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  if (valid === null) return { nullCount: 0, nullBitmap: undefined };
  let nullCount = 0;
  for (let i = 0; i < n; i++) if (valid[i] === 0) nullCount++;
  if (nullCount === 0) return { nullCount, nullBitmap: undefined };
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (valid[i] !== 0) bitmap[i >> 3]! |= 1 << (i & 7);
  return { nullCount, nullBitmap: bitmap };
}

function columnData(f: Field, type: arrow.DataType, g: GatheredColumn, n: number): arrow.Data {
  const t = f.type;
  switch (g.kind) {
    case 'values':
      return encodeValueColumn(f, type, g.values, n);
    case 'number': {
      const base = { length: n, ...validity(g.valid, n) };
      if (t.kind === 'float32' || t.kind === 'float64') {
        const single = t.kind === 'float32';
        const values = single ? new Float32Array(n) : new Float64Array(n);
        const bits = new Uint32Array(values.buffer);
        for (let i = 0; i < n; i++) {
          const v = g.values[i]!;
          if (v !== v) {
            // The standard quiet NaN, as encodeFloats writes it.
            if (single) bits[i] = 0x7fc00000;
            else (bits[2 * i] = 0), (bits[2 * i + 1] = 0x7ff80000);
          } else values[i] = v;
        }
        return arrow.makeData({ ...base, type: type as arrow.Float, data: values });
      }
      const Ctor = (type as arrow.Int | arrow.DateDay).ArrayType as Int32ArrayConstructor;
      const values = new Ctor(n);
      for (let i = 0; i < n; i++) values[i] = g.values[i]!;
      return t.kind === 'date32' ? arrow.makeData({ ...base, type: type as arrow.DateDay, data: values }) : arrow.makeData({ ...base, type: type as arrow.Int, data: values });
    }
    case 'int64': {
      const base = { length: n, ...validity(g.valid, n) };
      if (t.kind === 'timestamp') return arrow.makeData({ ...base, type: type as arrow.Timestamp, data: new BigInt64Array(g.words.buffer, g.words.byteOffset, n) });
      const values = t.kind === 'uint64' ? new BigUint64Array(g.words.buffer, g.words.byteOffset, n) : new BigInt64Array(g.words.buffer, g.words.byteOffset, n);
      return arrow.makeData({ ...base, type: type as arrow.Int, data: values });
    }
    case 'bool': {
      let nullCount = 0;
      const values = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const b = g.values[i]!;
        if (b === 2) nullCount++;
        else if (b === 1) values[i >> 3]! |= 1 << (i & 7);
      }
      let nullBitmap: Uint8Array | undefined;
      if (nullCount > 0) {
        nullBitmap = new Uint8Array((n + 7) >> 3);
        for (let i = 0; i < n; i++) if (g.values[i] !== 2) nullBitmap[i >> 3]! |= 1 << (i & 7);
      }
      return arrow.makeData({ length: n, nullCount, nullBitmap, type: type as arrow.Bool, data: values });
    }
    case 'utf8': {
      const base = { length: n, ...validity(g.valid, n) };
      if (t.kind === 'large_utf8') {
        const offsets = new BigInt64Array(n + 1);
        for (let i = 0; i <= n; i++) offsets[i] = BigInt(g.offsets[i]!);
        return arrow.makeData({ ...base, type: type as arrow.LargeUtf8, valueOffsets: offsets, data: g.bytes });
      }
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: g.offsets, data: g.bytes });
    }
  }
}

/** The chunk's Arrow IPC file: the bytes encodeArrowIpc gives for the same rows. */
export function encodeArrowChunk(fields: Field[], columns: GatheredColumn[], n: number): Uint8Array {
  const arrowFields = fields.map((f) => new arrow.Field(f.name, fvTypeToArrow(f.type), true, new Map()));
  const names = new Set(fields.map((f) => f.name));
  if (names.size !== fields.length) throw new FvError('TYPE_ERROR', `duplicate column name in ${fields.map((f) => `${f.name}:${typeToString(f.type)}`).join(', ')}`);
  const children = fields.map((f, i) => columnData(f, arrowFields[i]!.type, columns[i]!, n));
  return writeIpc(arrowFields, children, n, 'file');
}
