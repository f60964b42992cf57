/**
 * Key order: keyed tables are stored sorted by their key columns (compared
 * with compareValues, column by column), with no null and no duplicate keys.
 */
import { FvError } from '../errors/FvError.js';
import type { Column, ColumnStore } from './column-store.js';
import type { Field, Value } from './types.js';
import { compareValues, formatValue } from './values.js';

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

/** compareValues over two keys' cells in turn (none null): for keys held as values, across stores. */
export function compareKeyValues(a: readonly Value[], b: readonly Value[]): number {
  for (let k = 0; k < a.length; k++) {
    const c = compareValues(a[k]!, b[k]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** Text of row r's key, for messages: "42" or "2024-01-01,eu". */
export function keyText(store: ColumnStore, r: number, keyIdx: number[]): string {
  return keyIdx.map((c) => formatValue(store.get(c, r), store.fields[c]!.type)).join(',');
}

/** For each key column, the first row of `store` whose key cell is null, or -1. */
export function firstNullKeyRows(store: ColumnStore, keyIdx: number[]): number[] {
  return keyIdx.map((c) => {
    const col = store.columns[c]!;
    let r = 0;
    while (r < store.rowCount && !col.isNull(r)) r++;
    return r < store.rowCount ? r : -1;
  });
}

/** The message for a null key cell in column `c`, at the row `label` names. */
export function nullKeyError(fields: Field[], c: number, label: string): FvError {
  return new FvError('BAD_INPUT', `${label}: key column "${fields[c]!.name}" is empty`, { hint: 'key columns must have a value in every row' });
}

/** The message for a key seen twice: `first` and `dup` name the two rows, in file order. */
export function duplicateKeyError(key: string, dup: string, first: string): FvError {
  return new FvError('DUPLICATE_KEY', `duplicate key (${key}) at ${dup}, first seen at ${first}`);
}

/**
 * The order of `store`'s rows by key (no key cell null); stable, so equal
 * keys keep file order and the later row is the one reported as duplicate.
 */
export function keyOrder(store: ColumnStore, keyIdx: number[]): Uint32Array {
  const keys = keyIdx.map((c) => store.columns[c]!);
  const n = store.rowCount;
  const order = new Uint32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  let sorted = true;
  for (let r = 1; r < n && sorted; r++) if (compareRows(keys, r - 1, r) >= 0) sorted = false;
  if (!sorted) order.sort((a, b) => compareRows(keys, a, b) || a - b);
  return order;
}

/** Index i of the first pair order[i-1], order[i] that is not strictly ascending by key, or -1. */
export function firstNotAscending(store: ColumnStore, keyIdx: number[], order: Uint32Array | null, start = 1): number {
  const keys = keyIdx.map((c) => store.columns[c]!);
  for (let i = Math.max(1, start); i < store.rowCount; i++) {
    if (order === null ? compareRows(keys, i - 1, i) >= 0 : compareRows(keys, order[i - 1]!, order[i]!) >= 0) return i;
  }
  return -1;
}

/**
 * The row order that sorts `store` by key; throws on a null or duplicate key.
 * `rowLabel(r)` names a row in error messages, with its source ("data.csv:12").
 */
export function sortOrderByKey(store: ColumnStore, keyIdx: number[], rowLabel: (r: number) => string): Uint32Array {
  firstNullKeyRows(store, keyIdx).forEach((r, i) => {
    if (r >= 0) throw nullKeyError(store.fields, keyIdx[i]!, rowLabel(r));
  });
  const order = keyOrder(store, keyIdx);
  const i = firstNotAscending(store, keyIdx, order);
  if (i >= 0) throw duplicateKeyError(keyText(store, order[i]!, keyIdx), rowLabel(order[i]!), rowLabel(order[i - 1]!));
  return order;
}
