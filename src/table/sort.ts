/**
 * Key order: keyed tables are stored sorted by their key columns (compared
 * with compareValues, column by column), with no null and no duplicate keys.
 */
import { FvError } from '../errors/FvError.js';
import type { TableData } from './table-data.js';
import type { Value } from './types.js';
import { compareValues, formatValue } from './values.js';

export function keyIndexes(t: TableData, key: string[], where: string): number[] {
  return key.map((k) => {
    const i = t.fields.findIndex((f) => f.name === k);
    if (i < 0) throw new FvError('UNKNOWN_COLUMN', `${where}: key column "${k}" does not exist`, { hint: `columns: ${t.fields.map((f) => f.name).join(', ')}` });
    return i;
  });
}

export function compareKeys(a: Value[][], ra: number, b: Value[][], rb: number, ka: number[], kb: number[] = ka): number {
  for (let i = 0; i < ka.length; i++) {
    const c = compareValues(a[ka[i]!]![ra]!, b[kb[i]!]![rb]!);
    if (c !== 0) return c;
  }
  return 0;
}

export function keyText(t: TableData, row: number, keyIdx: number[]): string {
  return keyIdx.map((i) => formatValue(t.columns[i]![row]!, t.fields[i]!.type)).join(',');
}

/**
 * The row order that sorts `t` by key; throws on a null or duplicate key.
 * `rowLabel(r)` names a row in error messages (e.g. its line in the file).
 */
export function sortOrderByKey(t: TableData, keyIdx: number[], where: string, rowLabel: (r: number) => string = (r) => `row ${r + 1}`): Uint32Array {
  for (const i of keyIdx) {
    const col = t.columns[i]!;
    for (let r = 0; r < t.rowCount; r++) {
      if (col[r] === null) throw new FvError('BAD_INPUT', `${where}: ${rowLabel(r)}: key column "${t.fields[i]!.name}" is empty`, { hint: 'key columns must have a value in every row' });
    }
  }
  const order = new Uint32Array(t.rowCount);
  for (let r = 0; r < t.rowCount; r++) order[r] = r;
  const cols = t.columns;
  let sorted = true;
  for (let r = 1; r < t.rowCount && sorted; r++) if (compareKeys(cols, r - 1, cols, r, keyIdx) >= 0) sorted = false;
  if (!sorted) order.sort((a, b) => compareKeys(cols, a, cols, b, keyIdx) || a - b);
  for (let i = 1; i < order.length; i++) {
    if (compareKeys(cols, order[i - 1]!, cols, order[i]!, keyIdx) === 0) {
      const [a, b] = [order[i - 1]!, order[i]!].sort((x, y) => x - y);
      throw new FvError('DUPLICATE_KEY', `${where}: duplicate key (${keyText(t, b!, keyIdx)}) at ${rowLabel(b!)}, first seen at ${rowLabel(a!)}`);
    }
  }
  return order;
}
