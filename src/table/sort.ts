/**
 * Key order: keyed tables are stored sorted by their key columns (compared
 * with compareValues, column by column), with no null and no duplicate keys.
 */
import { FvError } from '../errors/FvError.js';
import type { Column, ColumnStore } from './column-store.js';
import type { Field } from './types.js';
import { formatValue } from './values.js';

export function keyIndexes(fields: Field[], key: string[], where: string): number[] {
  return key.map((k) => {
    const i = fields.findIndex((f) => f.name === k);
    if (i < 0) throw new FvError('UNKNOWN_COLUMN', `${where}: key column "${k}" does not exist`, { hint: `columns: ${fields.map((f) => f.name).join(', ')}` });
    return i;
  });
}

/** Compares rows a and b by their key cells (never null here), straight from the typed columns. */
function compareRows(keys: Column[], a: number, b: number): number {
  for (let i = 0; i < keys.length; i++) {
    const c = keys[i]!.compare(a, b);
    if (c !== 0) return c;
  }
  return 0;
}

/** Text of row r's key, for messages: "42" or "2024-01-01,eu". */
export function keyText(store: ColumnStore, r: number, keyIdx: number[]): string {
  return keyIdx.map((c) => formatValue(store.get(c, r), store.fields[c]!.type)).join(',');
}

/**
 * The row order that sorts `store` by key; throws on a null or duplicate key.
 * `rowLabel(r)` names a row in error messages, with its source ("data.csv:12").
 */
export function sortOrderByKey(store: ColumnStore, keyIdx: number[], rowLabel: (r: number) => string): Uint32Array {
  const keys = keyIdx.map((c) => store.columns[c]!);
  keys.forEach((col, i) => {
    let r = 0;
    while (r < store.rowCount && !col.isNull(r)) r++;
    if (r < store.rowCount) throw new FvError('BAD_INPUT', `${rowLabel(r)}: key column "${store.fields[keyIdx[i]!]!.name}" is empty`, { hint: 'key columns must have a value in every row' });
  });
  const n = store.rowCount;
  const order = new Uint32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  let sorted = true;
  for (let r = 1; r < n && sorted; r++) if (compareRows(keys, r - 1, r) >= 0) sorted = false;
  // Stable: equal keys keep file order, so the duplicate reported is the later line.
  if (!sorted) order.sort((a, b) => compareRows(keys, a, b) || a - b);
  for (let i = 1; i < n; i++) {
    if (compareRows(keys, order[i - 1]!, order[i]!) === 0) {
      const first = order[i - 1]!;
      const dup = order[i]!;
      throw new FvError('DUPLICATE_KEY', `duplicate key (${keyText(store, dup, keyIdx)}) at ${rowLabel(dup)}, first seen at ${rowLabel(first)}`);
    }
  }
  return order;
}
