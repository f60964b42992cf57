/**
 * Keyed diff of two versions of a table that share their base chunks (the
 * same chunk list), such as a table and the patched version written over it
 * (docs/FORMAT.md section 9). Rows can differ only at keys one of the two
 * patches names, and each patch entry says whether its key is in the base
 * (update, delete) or not (insert), so the counts come from the patches
 * alone. Base rows are read only to show the first `limit` changes.
 */
import type { BlobStore } from '../../table/blob-store.js';
import type { TableManifest } from '../../table/manifest.js';
import { manifestSchema } from '../../table/manifest.js';
import type { PatchRows } from '../../table/patch/patch-apply.js';
import { compareKeyRows, DELETE, INSERT } from '../../table/patch/patch-apply.js';
import type { TableData } from '../../table/table-data.js';
import { keyIndexesOf, loadPatch, readChunk } from '../../table/table-reader.js';
import type { Value } from '../../table/types.js';
import { compareValues, parseValueAs, valuesEqual } from '../../table/values.js';
import type { RowChange, TableDiff } from './table-diff.js';

/** True when both versions have the same base chunks and schema, so patchDiff applies. */
export function sharesBase(before: TableManifest, after: TableManifest): boolean {
  return (
    before.key.length > 0 &&
    before.key.join('\0') === after.key.join('\0') &&
    JSON.stringify(before.fields) === JSON.stringify(after.fields) &&
    before.chunks.length === after.chunks.length &&
    before.chunks.every((c, i) => c.oid === after.chunks[i]!.oid)
  );
}

/** Looks up base rows by key, for keys visited in increasing order: one decoded chunk at a time. */
class BaseRows {
  private next = 0;
  private data: TableData | null = null;
  private readonly keyIdx: number[];
  constructor(private store: BlobStore, private m: TableManifest) {
    this.keyIdx = keyIndexesOf(m);
  }

  async row(key: Value[]): Promise<Record<string, Value> | null> {
    const types = manifestSchema(this.m).fields.map((f) => f.type);
    const beyond = (text: string[]): boolean => {
      for (let k = 0; k < key.length; k++) {
        const c = compareValues(key[k]!, parseValueAs(text[k]!, types[this.keyIdx[k]!]!));
        if (c !== 0) return c > 0;
      }
      return false;
    };
    // Chunks are in key order and keys arrive in increasing order: skip forward past chunks that end before the key.
    while (this.next < this.m.chunks.length && beyond(this.m.chunks[this.next]!.key_max!)) {
      this.next++;
      this.data = null;
    }
    const ref = this.m.chunks[this.next];
    if (ref === undefined) return null;
    this.data ??= await readChunk(this.store, this.m, ref);
    const d = this.data;
    for (let r = 0; r < d.rowCount; r++) {
      if (this.keyIdx.every((c, k) => compareValues(d.columns[c]![r]!, key[k]!) === 0)) {
        const o: Record<string, Value> = {};
        d.fields.forEach((f, i) => (o[f.name] = d.columns[i]![r]!));
        return o;
      }
    }
    return null;
  }
}

function record(p: PatchRows, r: number): Record<string, Value> {
  const o: Record<string, Value> = {};
  p.data.fields.forEach((f, i) => (o[f.name] = p.data.columns[i]![r]!));
  return o;
}

function sameRow(a: PatchRows, i: number, b: PatchRows, j: number): boolean {
  return a.data.columns.every((col, c) => valuesEqual(col[i]!, b.data.columns[c]![j]!));
}

export async function patchDiff(store: BlobStore, before: TableManifest, after: TableManifest, res: TableDiff, limit: number): Promise<void> {
  const keyIdx = keyIndexesOf(after);
  const pb = await loadPatch(store, before);
  const pa = await loadPatch(store, after);
  const base = new BaseRows(store, before);
  const keyOf = (p: PatchRows, r: number): Value[] => keyIdx.map((c) => p.data.columns[c]![r]!);
  const wants = (): boolean => res.rows.length < limit;
  const add = (c: RowChange): void => void res.rows.push(c);
  let i = 0, j = 0;
  while (i < pb.data.rowCount || j < pa.data.rowCount) {
    const cmp = i >= pb.data.rowCount ? 1 : j >= pa.data.rowCount ? -1 : compareKeyRows(pb.data, i, keyIdx, pa.data, j, keyIdx);
    if (cmp < 0) {
      // Only `before` patches this key; `after` has the base row, if the base has the key.
      const op = pb.ops[i]!;
      const key = keyOf(pb, i);
      if (op === INSERT) {
        res.removed++;
        if (wants()) add({ op: 'removed', key, before: record(pb, i), after: null });
      } else if (op === DELETE) {
        res.added++;
        if (wants()) add({ op: 'added', key, before: null, after: await base.row(key) });
      } else {
        res.modified++;
        if (wants()) add({ op: 'modified', key, before: record(pb, i), after: await base.row(key) });
      }
      i++;
    } else if (cmp > 0) {
      const op = pa.ops[j]!;
      const key = keyOf(pa, j);
      if (op === INSERT) {
        res.added++;
        if (wants()) add({ op: 'added', key, before: null, after: record(pa, j) });
      } else if (op === DELETE) {
        res.removed++;
        if (wants()) add({ op: 'removed', key, before: await base.row(key), after: null });
      } else {
        res.modified++;
        if (wants()) add({ op: 'modified', key, before: await base.row(key), after: record(pa, j) });
      }
      j++;
    } else {
      // Both patch this key: compare what each side ends up with.
      const key = keyOf(pa, j);
      const hasB = pb.ops[i] !== DELETE, hasA = pa.ops[j] !== DELETE;
      if (hasB && hasA) {
        if (!sameRow(pb, i, pa, j)) {
          res.modified++;
          if (wants()) add({ op: 'modified', key, before: record(pb, i), after: record(pa, j) });
        }
      } else if (hasB) {
        res.removed++;
        if (wants()) add({ op: 'removed', key, before: record(pb, i), after: null });
      } else if (hasA) {
        res.added++;
        if (wants()) add({ op: 'added', key, before: null, after: record(pa, j) });
      }
      i++;
      j++;
    }
  }
}
