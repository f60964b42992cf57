/**
 * Row-level difference between two snapshots of one table.
 *
 * Keyed tables: a merge-join on the key over both sides in key order.
 * Chunks that appear on both sides with the same id hold identical rows and
 * are skipped without being read, so cost follows the change, not the
 * table; two versions over the same base chunks (docs/FORMAT.md section 9)
 * are compared through their patches alone (patch-diff.ts), and two
 * unpatched versions with the same columns on their chunks' typed buffers
 * (typed-keyed-diff.ts). Unkeyed tables are compared as multisets of rows (added/removed).
 */
import type { BlobStore } from '../../table/blob-store.js';
import type { ChunkRef, TableManifest } from '../../table/manifest.js';
import { manifestSchema } from '../../table/manifest.js';
import { hashRows } from '../../table/row-hash.js';
import { readChunk, readChunks } from '../../table/table-reader.js';
import { patchDiff, sharesBase } from './patch-diff.js';
import { typedKeyedDiff } from './typed-keyed-diff.js';
import type { TableData } from '../../table/table-data.js';
import type { Field, Value } from '../../table/types.js';
import { sameType, typeToString } from '../../table/types.js';
import { compareValues, valuesEqual } from '../../table/values.js';

export interface RowChange {
  op: 'added' | 'removed' | 'modified';
  key: Value[];
  /** Values by column name; null for added rows. */
  before: Record<string, Value> | null;
  after: Record<string, Value> | null;
}

export interface SchemaChange {
  added: string[];
  removed: string[];
  changed: { column: string; from: string; to: string }[];
}

export interface TableDiff {
  status: 'added' | 'removed' | 'modified' | 'unchanged';
  added: number;
  removed: number;
  modified: number;
  schema: SchemaChange;
  /** The first `limit` row changes, in key order. */
  rows: RowChange[];
  /** Key columns (empty for unkeyed tables); `rows[i].key` holds their values. */
  key: string[];
  /** Fields of the row values in `rows` (union of both sides). */
  fieldsBefore: Field[];
  fieldsAfter: Field[];
}

export interface DiffOptions {
  /** Keep at most this many row changes (counts are always complete). */
  limit: number;
}

export function schemaChange(before: Field[], after: Field[]): SchemaChange {
  const added = after.filter((f) => !before.some((b) => b.name === f.name)).map((f) => f.name);
  const removed = before.filter((f) => !after.some((a) => a.name === f.name)).map((f) => f.name);
  const changed: SchemaChange['changed'] = [];
  for (const f of after) {
    const b = before.find((x) => x.name === f.name);
    if (b && !sameType(b.type, f.type)) changed.push({ column: f.name, from: typeToString(b.type), to: typeToString(f.type) });
  }
  return { added, removed, changed };
}

function schemaChanged(s: SchemaChange): boolean {
  return s.added.length + s.removed.length + s.changed.length > 0;
}

function rowRecord(t: TableData, r: number): Record<string, Value> {
  const o: Record<string, Value> = {};
  t.fields.forEach((f, i) => (o[f.name] = t.columns[i]![r]!));
  return o;
}

/**
 * Streams rows from a sequence of row batches (in order), one batch in
 * memory at a time. Only moving to the next batch is asynchronous, so the
 * merge-join awaits once per chunk rather than once per row.
 */
class RowCursor {
  data: TableData | null = null;
  row = 0;
  private ended = false;
  constructor(private batches: AsyncIterator<TableData>) {}

  /** Makes `data`/`row` name a row if one is left; false at the end. */
  async fill(): Promise<boolean> {
    while (!this.ended && (this.data === null || this.row >= this.data.rowCount)) {
      const next = await this.batches.next();
      if (next.done) {
        this.ended = true;
        this.data = null;
      } else {
        this.data = next.value;
        this.row = 0;
      }
    }
    return this.data !== null;
  }

  /** True while the current batch still has a row: no await needed. */
  get ready(): boolean {
    return this.data !== null && this.row < this.data.rowCount;
  }
}

/** Where each named column sits in a batch; batches of one manifest share fields, so this is cached per fields array. */
function columnPositions(cache: WeakMap<Field[], Map<string, number>>, t: TableData): Map<string, number> {
  let m = cache.get(t.fields);
  if (!m) {
    m = new Map(t.fields.map((f, i) => [f.name, i]));
    cache.set(t.fields, m);
  }
  return m;
}

async function* chunkRows(store: BlobStore, m: TableManifest, refs: ChunkRef[]): AsyncGenerator<TableData> {
  for (const ref of refs) yield await readChunk(store, m, ref);
}

/**
 * Each side's rows that may differ from the other side's. Unpatched sides:
 * the chunks the other side lacks (a shared chunk holds the same rows on
 * both). A patched side: all its rows, since its patch may change any chunk.
 */
function rowsToCompare(store: BlobStore, before: TableManifest | null, after: TableManifest | null): [AsyncIterator<TableData> | null, AsyncIterator<TableData> | null] {
  if (before?.patch || after?.patch) return [before ? readChunks(store, before) : null, after ? readChunks(store, after) : null];
  const [cb, ca] = unsharedChunks(before?.chunks ?? [], after?.chunks ?? []);
  return [before ? chunkRows(store, before, cb) : null, after ? chunkRows(store, after, ca) : null];
}

/** Drops the chunks the two sides share (same id), keeping each side's order. */
function unsharedChunks(a: ChunkRef[], b: ChunkRef[]): [ChunkRef[], ChunkRef[]] {
  const inA = new Set(a.map((c) => c.oid));
  const inB = new Set(b.map((c) => c.oid));
  return [a.filter((c) => !inB.has(c.oid)), b.filter((c) => !inA.has(c.oid))];
}

/** Diff of two table snapshots; either side may be absent. */
export async function diffTable(store: BlobStore, before: TableManifest | null, after: TableManifest | null, opts: DiffOptions): Promise<TableDiff> {
  const fb = before ? manifestSchema(before).fields : [];
  const fa = after ? manifestSchema(after).fields : [];
  const result: TableDiff = {
    status: before === null ? 'added' : after === null ? 'removed' : 'unchanged',
    added: 0, removed: 0, modified: 0,
    // A whole table added or removed is not a schema change of that table.
    schema: before && after ? schemaChange(fb, fa) : { added: [], removed: [], changed: [] },
    rows: [], key: (after ?? before)?.key ?? [], fieldsBefore: fb, fieldsAfter: fa,
  };
  if (before && after && before.content_hash === after.content_hash) return result;
  // A whole table added or removed: the counts are in the manifest, no need to read rows.
  if (opts.limit === 0 && (before === null || after === null)) {
    if (before === null) result.added = after!.rows;
    else result.removed = before.rows;
    return result;
  }
  const record = (c: RowChange): void => {
    if (result.rows.length < opts.limit) result.rows.push(c);
  };
  const key = (after ?? before)!.key;
  const sameKey = before !== null && after !== null && before.key.join('\0') === after.key.join('\0');
  if (key.length > 0 && (sameKey || before === null || after === null)) await diffKeyed(store, before, after, key, result, record, opts.limit);
  else await diffUnkeyed(store, before, after, result, record);
  if (result.status === 'unchanged' && (result.added || result.removed || result.modified || schemaChanged(result.schema))) result.status = 'modified';
  return result;
}

async function diffKeyed(store: BlobStore, before: TableManifest | null, after: TableManifest | null, key: string[], res: TableDiff, record: (c: RowChange) => void, limit: number): Promise<void> {
  // Versions over the same base chunks (a patched version and its base) differ only where their patches do.
  if (before && after && sharesBase(before, after)) return patchDiff(store, before, after, res, limit);
  // Unpatched versions with the same columns: their unshared chunks are compared on typed columns.
  if (!before?.patch && !after?.patch && !schemaChanged(res.schema)) {
    const [cb, ca] = unsharedChunks(before?.chunks ?? [], after?.chunks ?? []);
    return typedKeyedDiff(store, before && { m: before, refs: cb }, after && { m: after, refs: ca }, key, res, limit);
  }
  const [rb, ra] = rowsToCompare(store, before, after);
  const left = rb ? new RowCursor(rb) : null;
  const right = ra ? new RowCursor(ra) : null;
  const positions = new WeakMap<Field[], Map<string, number>>();
  const keyOf = (t: TableData, r: number): Value[] => {
    const pos = columnPositions(positions, t);
    return key.map((k) => t.columns[pos.get(k)!]![r]!);
  };
  // Columns compared for "modified": those on both sides with the same type; any schema change marks every row modified.
  const anySchemaChange = schemaChanged(res.schema);
  // Compares two rows' keys in place: no array or record per row (a full diff of 1M rows made 4M of them).
  const compareKeys = (l: TableData, lr: number, r: TableData, rr: number): number => {
    const pl = columnPositions(positions, l);
    const pr = columnPositions(positions, r);
    for (const k of key) {
      const c = compareValues(l.columns[pl.get(k)!]![lr]!, r.columns[pr.get(k)!]![rr]!);
      if (c !== 0) return c;
    }
    return 0;
  };
  const rowChanged = (l: TableData, lr: number, r: TableData, rr: number): boolean => {
    if (anySchemaChange) {
      const a = rowRecord(l, lr);
      const b = rowRecord(r, rr);
      return Object.keys(a).length !== Object.keys(b).length || Object.keys(a).some((k) => !(k in b) || typeof a[k] !== typeof b[k] || !valuesEqual(a[k]!, b[k]!));
    }
    const pr = columnPositions(positions, r);
    for (let c = 0; c < l.fields.length; c++) {
      if (!valuesEqual(l.columns[c]![lr]!, r.columns[pr.get(l.fields[c]!.name)!]![rr]!)) return true;
    }
    return false;
  };
  for (;;) {
    const lHas = left !== null && (left.ready || (await left.fill()));
    const rHas = right !== null && (right.ready || (await right.fill()));
    if (!lHas && !rHas) break;
    const ld = lHas ? left!.data! : null;
    const rd = rHas ? right!.data! : null;
    const cmp = ld === null ? 1 : rd === null ? -1 : compareKeys(ld, left!.row, rd, right!.row);
    if (cmp < 0) {
      res.removed++;
      record({ op: 'removed', key: keyOf(ld!, left!.row), before: rowRecord(ld!, left!.row), after: null });
      left!.row++;
    } else if (cmp > 0) {
      res.added++;
      record({ op: 'added', key: keyOf(rd!, right!.row), before: null, after: rowRecord(rd!, right!.row) });
      right!.row++;
    } else {
      if (rowChanged(ld!, left!.row, rd!, right!.row)) {
        res.modified++;
        record({ op: 'modified', key: keyOf(ld!, left!.row), before: rowRecord(ld!, left!.row), after: rowRecord(rd!, right!.row) });
      }
      left!.row++;
      right!.row++;
    }
  }
}

/** Multiset difference by row hash: counts rows on each side and reports the surplus. */
async function diffUnkeyed(store: BlobStore, before: TableManifest | null, after: TableManifest | null, res: TableDiff, record: (c: RowChange) => void): Promise<void> {
  const [rb, ra] = rowsToCompare(store, before, after);
  type Seen = { count: number; data: TableData; row: number };
  const collect = async (batches: AsyncIterator<TableData> | null): Promise<Map<string, Seen>> => {
    const seen = new Map<string, Seen>();
    if (!batches) return seen;
    for (let next = await batches.next(); !next.done; next = await batches.next()) {
      const data = next.value;
      const { rowHashes } = hashRows(data.columns, data.fields.map((f) => f.type), data.rowCount, null);
      for (let r = 0; r < data.rowCount; r++) {
        // Include field names so that the same values under a different schema differ.
        const h = data.fields.map((f) => f.name).join('\0') + ':' + Array.from(rowHashes.subarray(r * 4, r * 4 + 4)).join('.');
        const s = seen.get(h);
        if (s) s.count++;
        else seen.set(h, { count: 1, data, row: r });
      }
    }
    return seen;
  };
  const b = await collect(rb);
  const a = await collect(ra);
  for (const [h, s] of b) {
    const extra = s.count - (a.get(h)?.count ?? 0);
    for (let i = 0; i < extra; i++) {
      res.removed++;
      record({ op: 'removed', key: [], before: rowRecord(s.data, s.row), after: null });
    }
  }
  for (const [h, s] of a) {
    const extra = s.count - (b.get(h)?.count ?? 0);
    for (let i = 0; i < extra; i++) {
      res.added++;
      record({ op: 'added', key: [], before: null, after: rowRecord(s.data, s.row) });
    }
  }
}
