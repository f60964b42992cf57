/**
 * Reads one chunk's gathered columns (the typed arrays ColumnStore.gather
 * gives for the chunk's rows, in chunk order) the way ColumnStore reads its
 * own columns: a cell's value and a column's extremes (row encodings:
 * gathered-rows.ts). A chunk's statistics and key range are computed from
 * these, so a worker thread that holds only the gathered arrays computes
 * exactly what the main thread would from the whole store.
 */
import type { GatheredColumn } from './arrow/arrow-chunk.js';
import { compareByteRanges, scanExtremes } from './column-store.js';
import type { Extremes } from './column-store.js';
import type { FvType, Value } from './types.js';
import { compareValues } from './values.js';

const DECODER = new TextDecoder();

function present(valid: Uint8Array | null, i: number): boolean {
  return valid === null || valid[i] !== 0;
}

/** Row i's value, as Column.get gives it. */
export function gatheredValue(g: GatheredColumn, t: FvType, i: number): Value {
  switch (g.kind) {
    case 'number':
      return present(g.valid, i) ? g.values[i]! : null;
    case 'int64': {
      if (!present(g.valid, i)) return null;
      const v = (BigInt(g.words[2 * i + 1]!) << 32n) | BigInt(g.words[2 * i]!);
      return t.kind === 'uint64' ? v : BigInt.asIntN(64, v);
    }
    case 'bool':
      return g.values[i] === 2 ? null : g.values[i] === 1;
    case 'utf8':
      return present(g.valid, i) ? DECODER.decode(g.bytes.subarray(g.offsets[i]!, g.offsets[i + 1]!)) : null;
    case 'values':
      return g.values[i]!;
  }
}

/** Two 64-bit integers given as word pairs: high words (signed unless uint64), then low words. */
function compareWords(w: Uint32Array, a: number, b: number, signed: boolean): number {
  const ha = signed ? w[2 * a + 1]! | 0 : w[2 * a + 1]!;
  const hb = signed ? w[2 * b + 1]! | 0 : w[2 * b + 1]!;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = w[2 * a]!, lb = w[2 * b]!;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

// Extremes of the typed kinds are scanned in loops of their own rather than
// through scanExtremes: its presence and comparison callbacks are called
// from one site for every column kind in the program, so V8 cannot inline
// them, and a chunk's statistics cost a call or two per cell.

function numberExtremes(v: Float64Array, valid: Uint8Array | null, n: number): Extremes {
  let nulls = 0, minRow = -1, maxRow = -1, min = 0, max = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) {
      nulls++;
      continue;
    }
    const x = v[i]!;
    if (minRow < 0) {
      minRow = maxRow = i;
      min = max = x;
      continue;
    }
    // compareNumbers' order spelled out: NaN is greatest, ties (-0 and 0 too) keep the first row.
    if (x < min || (min !== min && x === x)) (minRow = i), (min = x);
    if (x > max || (x !== x && max === max)) (maxRow = i), (max = x);
  }
  return { nulls, minRow, maxRow };
}

function int64Extremes(w: Uint32Array, valid: Uint8Array | null, n: number, signed: boolean): Extremes {
  let nulls = 0, minRow = -1, maxRow = -1;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) nulls++;
    else if (minRow < 0) minRow = maxRow = i;
    else {
      if (compareWords(w, i, minRow, signed) < 0) minRow = i;
      if (compareWords(w, i, maxRow, signed) > 0) maxRow = i;
    }
  }
  return { nulls, minRow, maxRow };
}

function utf8Extremes(bytes: Uint8Array, off: Int32Array, valid: Uint8Array | null, n: number): Extremes {
  let nulls = 0, minRow = -1, maxRow = -1;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) nulls++;
    else if (minRow < 0) minRow = maxRow = i;
    else {
      const a = off[i]!, b = off[i + 1]!;
      if (compareByteRanges(bytes, a, b, off[minRow]!, off[minRow + 1]!) < 0) minRow = i;
      if (compareByteRanges(bytes, a, b, off[maxRow]!, off[maxRow + 1]!) > 0) maxRow = i;
    }
  }
  return { nulls, minRow, maxRow };
}

/** Null count and the rows of the least and greatest value of the chunk's n rows, as Column.extremes gives them. */
export function gatheredExtremes(g: GatheredColumn, t: FvType, n: number): Extremes {
  switch (g.kind) {
    case 'number':
      return numberExtremes(g.values, g.valid, n);
    case 'int64':
      return int64Extremes(g.words, g.valid, n, t.kind !== 'uint64');
    case 'bool': {
      const v = g.values;
      return scanExtremes(null, 0, n, (i) => v[i] !== 2, (a, b) => v[a]! - v[b]!);
    }
    case 'utf8':
      return utf8Extremes(g.bytes, g.offsets, g.valid, n);
    case 'values': {
      const v = g.values;
      return scanExtremes(null, 0, n, (i) => v[i] !== null, (a, b) => compareValues(v[a]!, v[b]!));
    }
  }
}
