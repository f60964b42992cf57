/**
 * Cells of typed Arrow columns compared in place, in exactly the order
 * compareValues gives their JS values: a whole-table diff compares a million
 * rows, and making a JS value per cell (a BigInt per int64 or timestamp, a
 * string per text cell) was half of its time.
 *
 * A chunk's column (chunk-buffers.ts) is read through a CellColumn: its
 * validity bitmap and its values as the typed array that fits the comparison
 * (32-bit words for 64- and 128-bit values, so no BigInt is made; byte
 * ranges for text and binary).
 */
import type { ChunkColumn } from '../../table/arrow/chunk-buffers.js';
import type { FvType } from '../../table/types.js';

/** One column of one chunk, in the shape the comparators read. Every instance has every member, so call sites stay monomorphic. */
export class CellColumn {
  constructor(
    /** Validity bitmap (bit set = present), or null when the column has no nulls. */
    readonly valid: Uint8Array | null,
    /** Numbers (8-32-bit integers, date32, floats); null for other layouts. */
    readonly numbers: ArrayLike<number> | null,
    /** 32-bit words of 64- and 128-bit values (little-endian), and bool bitmaps as bytes; null otherwise. */
    readonly words: Int32Array | null,
    readonly bits: Uint8Array | null,
    /** Text and binary: value i is bytes[offsets[i] .. offsets[i + 1]). */
    readonly offsets: ArrayLike<number> | null,
    readonly bytes: Uint8Array | null,
  ) {}
}

/** Compares cell i of `a` with cell j of `b`: negative, 0 or positive, as compareValues on their values. */
export type CellCompare = (a: CellColumn, i: number, b: CellColumn, j: number) => number;

const isPresent = (valid: Uint8Array | null, i: number): boolean => valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0;

/** Null sorts first and equals null; otherwise `present` compares the two values. */
function withNulls(present: CellCompare): CellCompare {
  return (a, i, b, j) => {
    const pa = isPresent(a.valid, i);
    const pb = isPresent(b.valid, j);
    if (pa && pb) return present(a, i, b, j);
    return pa === pb ? 0 : pa ? 1 : -1;
  };
}

const compareNumbers: CellCompare = (a, i, b, j) => {
  const x = a.numbers![i]!;
  const y = b.numbers![j]!;
  return x < y ? -1 : x > y ? 1 : 0;
};

/** compareValues on numbers: NaN after everything and equal to itself; -0 equals 0 (its `a === b` comes first). */
const compareFloats: CellCompare = (a, i, b, j) => {
  const x = a.numbers![i]!;
  const y = b.numbers![j]!;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  // At least one is NaN.
  const nx = Number.isNaN(x);
  return nx === Number.isNaN(y) ? 0 : nx ? 1 : -1;
};

/** Multi-word integers, most significant word last; the top word signed or not, the rest unsigned. */
function compareWords(count: 2 | 4, signed: boolean): CellCompare {
  return (a, i, b, j) => {
    const wa = a.words!, wb = b.words!;
    const ia = i * count, ib = j * count;
    const top = count - 1;
    const ha = signed ? wa[ia + top]! : wa[ia + top]! >>> 0;
    const hb = signed ? wb[ib + top]! : wb[ib + top]! >>> 0;
    if (ha !== hb) return ha < hb ? -1 : 1;
    for (let k = top - 1; k >= 0; k--) {
      const x = wa[ia + k]! >>> 0, y = wb[ib + k]! >>> 0;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/** Bytes compared as unsigned, then length: code point order for valid UTF-8, Buffer.compare's order for binary. */
const compareBytes: CellCompare = (a, i, b, j) => {
  const ba = a.bytes!, bb = b.bytes!;
  let p = a.offsets![i]!, q = b.offsets![j]!;
  const la = a.offsets![i + 1]! - p, lb = b.offsets![j + 1]! - q;
  const end = p + Math.min(la, lb);
  for (; p < end; p++, q++) if (ba[p] !== bb[q]) return ba[p]! < bb[q]! ? -1 : 1;
  return la === lb ? 0 : la < lb ? -1 : 1;
};

const compareBools: CellCompare = (a, i, b, j) => {
  const x = (a.bits![i >> 3]! >> (i & 7)) & 1;
  const y = (b.bits![j >> 3]! >> (j & 7)) & 1;
  return x - y;
};

/** The comparator for cells of type `t` (both sides of that type). */
export function cellCompare(t: FvType): CellCompare {
  switch (t.kind) {
    case 'float32':
    case 'float64':
      return withNulls(compareFloats);
    case 'int64':
    case 'timestamp':
      return withNulls(compareWords(2, true));
    case 'uint64':
      return withNulls(compareWords(2, false));
    case 'decimal':
      return withNulls(compareWords(4, true));
    case 'bool':
      return withNulls(compareBools);
    case 'utf8':
    case 'large_utf8':
    case 'binary':
      return withNulls(compareBytes);
    default:
      return withNulls(compareNumbers);
  }
}

/** Column `c` of a chunk, of type `t`, as a CellColumn. */
export function cellColumn(t: FvType, c: ChunkColumn): CellColumn {
  const { validity, values } = c;
  switch (t.kind) {
    case 'int64':
    case 'uint64':
    case 'timestamp':
    case 'decimal':
      return new CellColumn(validity, null, new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2), null, null, null);
    case 'bool':
      return new CellColumn(validity, null, null, values as Uint8Array, null, null);
    case 'utf8':
    case 'large_utf8':
    case 'binary':
      return new CellColumn(validity, null, null, null, c.offsets, values as Uint8Array);
    default:
      return new CellColumn(validity, values as ArrayLike<number>, null, null, null, null);
  }
}
