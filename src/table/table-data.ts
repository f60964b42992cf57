/**
 * The in-memory, column-major form of a table (or of a slice of one): what
 * importers produce, what the chunker cuts and what chunk decoding returns.
 * `columns[i][r]` is the value of field i in row r (see types.ts for the JS
 * representation of each type).
 */
import type { Field, Value } from './types.js';

export interface TableData {
  fields: Field[];
  columns: Value[][];
  rowCount: number;
}

export function emptyTable(fields: Field[]): TableData {
  return { fields, columns: fields.map(() => []), rowCount: 0 };
}

/** Rows `order[0..]` of `t`, in that order (a gather). */
export function takeRows(t: TableData, order: ArrayLike<number>, start = 0, end = order.length): TableData {
  const n = end - start;
  const columns = t.columns.map((col) => {
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = col[order[start + i]!]!;
    return out;
  });
  return { fields: t.fields, columns, rowCount: n };
}

export function sliceRows(t: TableData, start: number, end: number): TableData {
  return { fields: t.fields, columns: t.columns.map((c) => c.slice(start, end)), rowCount: end - start };
}

export function concatTables(fields: Field[], parts: TableData[]): TableData {
  const columns: Value[][] = fields.map(() => []);
  let rowCount = 0;
  for (const p of parts) {
    for (let i = 0; i < fields.length; i++) {
      const dst = columns[i]!;
      const src = p.columns[i]!;
      for (let r = 0; r < src.length; r++) dst.push(src[r]!);
    }
    rowCount += p.rowCount;
  }
  return { fields, columns, rowCount };
}
