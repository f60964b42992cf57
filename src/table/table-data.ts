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
