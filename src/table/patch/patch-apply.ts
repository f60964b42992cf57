/**
 * Applying a row-level patch to base rows, as pure functions over in-memory
 * rows (docs/FORMAT.md section 9). Both sides are sorted by key, so applying
 * is one merge-join: a base row whose key the patch names is replaced
 * (upsert) or dropped (delete); a patch update or insert with a key between base rows
 * is inserted there.
 */
import type { TableData } from '../table-data.js';
import type { Field, Value } from '../types.js';
import { compareValues } from '../values.js';

/** Ops of patch entries: an update replaces a base row, an insert adds a key the base lacks, a delete removes a base row. */
export const UPDATE = 0;
export const DELETE = 1;
export const INSERT = 2;

/** A patch's entries in one key-sorted list: every field, with an op per row. */
export interface PatchRows {
  /** All fields; a delete's non-key columns are null. */
  data: TableData;
  /** UPDATE, INSERT or DELETE, per row of `data`. */
  ops: Uint8Array;
}

/** Compares row `a` of `ta` with row `b` of `tb` on the key columns (indexes into each table's columns). */
export function compareKeyRows(ta: TableData, a: number, keyA: readonly number[], tb: TableData, b: number, keyB: readonly number[]): number {
  for (let k = 0; k < keyA.length; k++) {
    const c = compareValues(ta.columns[keyA[k]!]![a]!, tb.columns[keyB[k]!]![b]!);
    if (c !== 0) return c;
  }
  return 0;
}

function emptyColumns(fields: Field[]): Value[][] {
  return fields.map(() => []);
}

/**
 * One sorted entry list from a patch's three parts: updates and inserts
 * (every field) and deletes (key columns only, in key order). The parts
 * hold disjoint keys, so this is a three-way merge.
 */
export function combinePatch(fields: Field[], keyIdx: readonly number[], updates: TableData, inserts: TableData, deletes: TableData): PatchRows {
  const delKey = keyIdx.map((_, k) => k);
  const columns = emptyColumns(fields);
  const ops: number[] = [];
  let u = 0, i = 0, d = 0;
  for (;;) {
    const hasU = u < updates.rowCount, hasI = i < inserts.rowCount, hasD = d < deletes.rowCount;
    if (!hasU && !hasI && !hasD) break;
    // Pick the smallest key among the three heads.
    let pick: 'u' | 'i' | 'd' = hasU ? 'u' : hasI ? 'i' : 'd';
    if (hasI && pick === 'u' && compareKeyRows(inserts, i, keyIdx, updates, u, keyIdx) < 0) pick = 'i';
    if (hasD) {
      const [t, r] = pick === 'u' ? [updates, u] : pick === 'i' ? [inserts, i] : [deletes, d];
      if (pick !== 'd' && compareKeyRows(deletes, d, delKey, t, r, keyIdx) < 0) pick = 'd';
    }
    if (pick === 'd') {
      for (let c = 0; c < fields.length; c++) columns[c]!.push(null);
      keyIdx.forEach((c, k) => (columns[c]![columns[c]!.length - 1] = deletes.columns[k]![d]!));
      ops.push(DELETE);
      d++;
    } else {
      const [t, r] = pick === 'u' ? [updates, u++] : [inserts, i++];
      for (let c = 0; c < fields.length; c++) columns[c]!.push(t.columns[c]![r]!);
      ops.push(pick === 'u' ? UPDATE : INSERT);
    }
  }
  return { data: { fields, columns, rowCount: ops.length }, ops: Uint8Array.from(ops) };
}

/** The first patch entry at or after `from` whose key is greater than row `row` of `base`. */
export function patchEntriesThrough(patch: PatchRows, keyIdx: readonly number[], from: number, base: TableData, row: number): number {
  let j = from;
  while (j < patch.data.rowCount && compareKeyRows(patch.data, j, keyIdx, base, row, keyIdx) <= 0) j++;
  return j;
}

/**
 * `base` (sorted by key) with patch entries [from, to) applied. Entries
 * must be sorted by key; a delete of a key not in `base` changes nothing.
 */
export function applyPatch(base: TableData, keyIdx: readonly number[], patch: PatchRows, from: number, to: number): TableData {
  if (from >= to) return base;
  const p = patch.data;
  const columns = emptyColumns(base.fields);
  const n = base.fields.length;
  const push = (t: TableData, r: number): void => {
    for (let c = 0; c < n; c++) columns[c]!.push(t.columns[c]![r]!);
  };
  let i = 0, j = from;
  while (i < base.rowCount || j < to) {
    const cmp = i >= base.rowCount ? 1 : j >= to ? -1 : compareKeyRows(base, i, keyIdx, p, j, keyIdx);
    if (cmp < 0) push(base, i++);
    else {
      if (patch.ops[j] !== DELETE) push(p, j);
      if (cmp === 0) i++;
      j++;
    }
  }
  return { fields: base.fields, columns, rowCount: columns[0]?.length ?? 0 };
}
