/**
 * A base chunk's rows as gathered typed columns (the arrays
 * ColumnStore.gather gives), so a new version's rows can be merge-joined
 * with it without a JS value per cell: keys are compared on the typed
 * arrays, and a base row is hashed (gathered-column.ts writes the very row
 * encoding ColumnStore does) only where its key matches a new row.
 *
 * A chunk in fv's own layout is viewed through readChunkColumns (no copy of
 * 64-bit or text data); anything else, or a type kept as plain values
 * (decimal, binary), is decoded the general way and gathered from a store.
 */
import type * as arrow from 'apache-arrow';
import type { GatheredColumn } from '../arrow/arrow-chunk.js';
import { readChunkColumns } from '../arrow/chunk-columns.js';
import { bitAt, nullBitmapOf } from '../arrow/typed-columns.js';
import { ColumnStore, compareNumbers } from '../column-store.js';
import type { ChunkRef } from '../manifest.js';
import { decodeChunkAs } from '../table-reader.js';
import type { Field, FvType } from '../types.js';
import { compareValues } from '../values.js';

/** One byte per row, 1 = present, or null when the column has no nulls. */
function validBytes(d: arrow.Data, n: number): Uint8Array | null {
  const bitmap = nullBitmapOf(d);
  if (bitmap === null) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = bitAt(bitmap, d.offset + i) ? 1 : 0;
  return out;
}

/** A verified Arrow column of fv's layout as the gathered column of the same values, or null for a type kept as plain values. */
function gatheredFromArrow(d: arrow.Data, t: FvType, n: number): GatheredColumn | null {
  switch (t.kind) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32':
    case 'float32': case 'float64': case 'date32': {
      const values = d.values as Float64Array | Int32Array;
      return { kind: 'number', values: values instanceof Float64Array ? values.subarray(0, n) : Float64Array.from(values.subarray(0, n)), valid: validBytes(d, n) };
    }
    case 'int64': case 'uint64': case 'timestamp': {
      const v = d.values as BigInt64Array;
      return { kind: 'int64', words: new Uint32Array(v.buffer, v.byteOffset, 2 * n), valid: validBytes(d, n) };
    }
    case 'bool': {
      const bits = d.values as Uint8Array;
      const bitmap = nullBitmapOf(d);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = bitmap !== null && !bitAt(bitmap, d.offset + i) ? 2 : bitAt(bits, d.offset + i) ? 1 : 0;
      return { kind: 'bool', values: out };
    }
    case 'utf8':
      return { kind: 'utf8', bytes: d.values as Uint8Array, offsets: d.valueOffsets as Int32Array, valid: validBytes(d, n) };
    default:
      return null;
  }
}

/** The gathered columns of base chunk `c` (its blob `bytes`), verified against `fields` as every chunk read is. */
export async function baseColumns(bytes: Uint8Array, fields: Field[], c: ChunkRef): Promise<GatheredColumn[]> {
  const views = readChunkColumns(bytes, fields, c.rows);
  const typed = views?.map((d, i) => gatheredFromArrow(d, fields[i]!.type, c.rows));
  if (typed !== undefined && typed.every((g) => g !== null)) return typed as GatheredColumn[];
  const store = ColumnStore.fromTableData(await decodeChunkAs(bytes, fields, c));
  return store.columns.map((col) => col.gather(null, 0, c.rows));
}

/** UTF-8 bytes a[ai, ae) against b[bi, be), bytewise, a prefix first (code point order). */
function compareBytes(a: Uint8Array, ai: number, ae: number, b: Uint8Array, bi: number, be: number): number {
  for (; ai < ae && bi < be; ai++, bi++) {
    const x = a[ai]!, y = b[bi]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ae - ai === be - bi ? 0 : ai < ae ? 1 : -1;
}

/**
 * compareValues of two non-null cells: row i of `a` and row j of `b`,
 * gathered columns of the same field type `t` (so of the same kind).
 */
export function compareGathered(a: GatheredColumn, i: number, b: GatheredColumn, j: number, t: FvType): number {
  switch (a.kind) {
    case 'number':
      return compareNumbers(a.values[i]!, (b as typeof a).values[j]!);
    case 'int64': {
      const w = (b as typeof a).words;
      const signed = t.kind !== 'uint64';
      const ha = signed ? a.words[2 * i + 1]! | 0 : a.words[2 * i + 1]!;
      const hb = signed ? w[2 * j + 1]! | 0 : w[2 * j + 1]!;
      if (ha !== hb) return ha < hb ? -1 : 1;
      const la = a.words[2 * i]!, lb = w[2 * j]!;
      return la === lb ? 0 : la < lb ? -1 : 1;
    }
    case 'bool':
      return a.values[i]! - (b as typeof a).values[j]!;
    case 'utf8': {
      const o = (b as typeof a).offsets;
      return compareBytes(a.bytes, a.offsets[i]!, a.offsets[i + 1]!, (b as typeof a).bytes, o[j]!, o[j + 1]!);
    }
    case 'values':
      return compareValues(a.values[i]!, (b as typeof a).values[j]!);
  }
}

/** Compares key cells across two sets of gathered key columns (one per key column, in key order). */
export function compareGatheredKeys(a: GatheredColumn[], i: number, b: GatheredColumn[], j: number, types: FvType[]): number {
  for (let k = 0; k < a.length; k++) {
    const c = compareGathered(a[k]!, i, b[k]!, j, types[k]!);
    if (c !== 0) return c;
  }
  return 0;
}
