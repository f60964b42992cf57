// Row-level patches (docs/FORMAT.md section 9): applying a patch to base rows,
// and writing table versions as patches over an earlier version's chunks,
// through an in-memory blob store. Every patched version is checked against
// the same rows written whole: same rows read back, same content hash.
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../../src/table/blob-store.js';
import { ColumnStore } from '../../../src/table/column-store.js';
import type { TableManifest, TableSchema } from '../../../src/table/manifest.js';
import { decodeManifest, encodeManifest } from '../../../src/table/manifest.js';
import { applyPatch, combinePatch, DELETE, INSERT, UPDATE } from '../../../src/table/patch/patch-apply.js';
import { writeTableVersion } from '../../../src/table/patch/patch-writer.js';
import { keyIndexes, sortOrderByKey } from '../../../src/table/sort.js';
import type { TableData } from '../../../src/table/table-data.js';
import { readWholeTable } from '../../../src/table/table-reader.js';
import { writeTable } from '../../../src/table/table-writer.js';
import type { Field, Value } from '../../../src/table/types.js';
import { MemoryBlobs } from '../../helpers/memory-blobs.js';

const FIELDS: Field[] = [
  { name: 'id', type: { kind: 'int32' } },
  { name: 'score', type: { kind: 'float64' } },
  { name: 'name', type: { kind: 'utf8' } },
];
const SCHEMA: TableSchema = { fields: FIELDS, key: ['id'], time: null };
const KEY = [0];

function table(rows: Value[][], fields = FIELDS): TableData {
  return { fields, columns: fields.map((_, c) => rows.map((r) => r[c]!)), rowCount: rows.length };
}

function rowsOf(t: TableData): Value[][] {
  return Array.from({ length: t.rowCount }, (_, r) => t.columns.map((c) => c[r]!));
}

/** Rows with ids 0, 2, 4, ... (so odd ids are free for inserts). */
function baseRows(n: number): Value[][] {
  return Array.from({ length: n }, (_, i) => [i * 2, i / 4, `name ${i}`]);
}

async function write(blobs: BlobStore, rows: Value[][], previous: TableManifest | null): Promise<TableManifest> {
  const store = ColumnStore.fromTableData(table(rows));
  const order = sortOrderByKey(store, keyIndexes(store.fields, ['id'], 't'), (r) => `row ${r}`);
  return writeTableVersion(store, order, SCHEMA, blobs, previous, previous?.chunking);
}

/** The same rows written whole into a separate store: what a fresh import gives. */
async function fresh(rows: Value[][]): Promise<TableManifest> {
  const store = ColumnStore.fromTableData(table(rows));
  const order = sortOrderByKey(store, keyIndexes(store.fields, ['id'], 't'), (r) => `row ${r}`);
  return writeTable(store, order, SCHEMA, new MemoryBlobs());
}

const sorted = (rows: Value[][]): Value[][] => [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));

async function expectRows(blobs: BlobStore, m: TableManifest, rows: Value[][]): Promise<void> {
  expect(rowsOf(await readWholeTable(blobs, m))).toEqual(sorted(rows));
  expect(m.rows).toBe(rows.length);
  const f = await fresh(rows);
  expect(m.content_hash).toBe(f.content_hash);
  expect(m.digest).toBe(f.digest);
  // A manifest survives its canonical encoding.
  expect(decodeManifest(encodeManifest(m), 't')).toEqual(m);
}

describe('applyPatch', () => {
  const base = table([[10, 1, 'a'], [20, 2, 'b'], [30, 3, 'c'], [40, 4, 'd']]);
  const patch = combinePatch(
    FIELDS,
    KEY,
    table([[20, 22, 'B']]), // update
    table([[5, 0.5, 'first'], [25, 2.5, 'between'], [50, 5, 'last']]), // inserts
    table([[40]], [FIELDS[0]!]), // delete
  );

  it('combines the three parts into one key-sorted entry list', () => {
    expect(rowsOf(patch.data)).toEqual([[5, 0.5, 'first'], [20, 22, 'B'], [25, 2.5, 'between'], [40, null, null], [50, 5, 'last']]);
    expect(Array.from(patch.ops)).toEqual([INSERT, UPDATE, INSERT, DELETE, INSERT]);
  });

  it('upserts over an existing key, inserts new keys and drops tombstoned keys', () => {
    expect(rowsOf(applyPatch(base, KEY, patch, 0, patch.data.rowCount))).toEqual([[5, 0.5, 'first'], [10, 1, 'a'], [20, 22, 'B'], [25, 2.5, 'between'], [30, 3, 'c'], [50, 5, 'last']]);
  });

  it('applies only the entries in the given range', () => {
    expect(rowsOf(applyPatch(base, KEY, patch, 1, 2))).toEqual([[10, 1, 'a'], [20, 22, 'B'], [30, 3, 'c'], [40, 4, 'd']]);
    expect(applyPatch(base, KEY, patch, 2, 2)).toBe(base);
  });
});

describe('writing table versions as patches', () => {
  const N = 3000;

  it('stores a small scattered change as a patch with the content hash of the same rows written whole', async () => {
    const blobs = new MemoryBlobs();
    const v1rows = baseRows(N);
    const v1 = await write(blobs, v1rows, null);
    expect(v1.format).toBe(1);
    expect(v1.patch).toBeUndefined();
    const v2rows = v1rows.map((r) => [...r]);
    for (const i of [3, 700, 1500, 2999]) v2rows[i]![1] = -1; // updates, one in the last chunk
    v2rows.splice(1000, 1); // delete id 2000
    v2rows.push([1, 9, 'inserted near the start'], [N * 2 + 7, 9, 'appended']);
    const v2 = await write(blobs, v2rows, v1);
    expect(v2.format).toBe(2);
    expect(v2.chunks).toEqual(v1.chunks);
    const count = (refs: { rows: number }[]): number => refs.reduce((s, c) => s + c.rows, 0);
    expect([count(v2.patch!.updates), count(v2.patch!.inserts), count(v2.patch!.deletes)]).toEqual([4, 2, 1]);
    await expectRows(blobs, v2, v2rows);
    expect(v2.patch!.columns[1]).toEqual({ nulls: 0, min: '-1.0', max: '749.5' }); // 749.75 (the last row) was updated to -1
  });

  it('computes a patch over a patched version against the base chunks (cumulative)', async () => {
    const blobs = new MemoryBlobs();
    const v1rows = baseRows(N);
    const v1 = await write(blobs, v1rows, null);
    const v2rows = v1rows.map((r) => [...r]);
    v2rows[10]![2] = 'changed in v2';
    v2rows[20]![2] = 'changed in v2, reverted in v3';
    v2rows.push([3, 0, 'inserted in v2'], [5, 0, 'inserted in v2, deleted in v3']);
    const v2 = await write(blobs, v2rows, v1);
    const v3rows = v2rows.map((r) => [...r]).filter((r) => r[0] !== 5);
    v3rows[20]![2] = v1rows[20]![2];
    v3rows[30]![1] = 123.5;
    const v3 = await write(blobs, v3rows, v2);
    expect(v3.chunks).toEqual(v1.chunks);
    const count = (refs: { rows: number }[]): number => refs.reduce((s, c) => s + c.rows, 0);
    // Rows 10 and 30 updated, id 3 inserted; the revert and the insert-then-delete leave no trace.
    expect([count(v3.patch!.updates), count(v3.patch!.inserts), count(v3.patch!.deletes)]).toEqual([2, 1, 0]);
    await expectRows(blobs, v3, v3rows);
    // Back to exactly v1's rows: no patch at all, v1's manifest.
    const v4 = await write(blobs, v1rows, v3);
    expect(v4).toEqual(v1);
  });

  it('compacts (writes whole chunks) once the patch would exceed a tenth of the base rows', async () => {
    const blobs = new MemoryBlobs();
    const v1rows = baseRows(N);
    const v1 = await write(blobs, v1rows, null);
    const small = v1rows.map((r, i) => (i % 20 === 0 ? [r[0], -2, r[2]] : r)); // 5%
    const v2 = await write(blobs, small, v1);
    expect(v2.patch).toBeDefined();
    const big = v1rows.map((r, i) => (i % 5 === 0 ? [r[0], -2, r[2]] : r)); // 20%
    const v3 = await write(blobs, big, v2);
    expect(v3.format).toBe(1);
    expect(v3.patch).toBeUndefined();
    expect(v3.chunks).toEqual((await fresh(big)).chunks);
    await expectRows(blobs, v3, big);
  });

  it('writes small tables and unkeyed tables whole', async () => {
    const blobs = new MemoryBlobs();
    const tiny = baseRows(100);
    const t1 = await write(blobs, tiny, null);
    const t2 = await write(blobs, tiny.map((r, i) => (i === 5 ? [r[0], 7, r[2]] : r)), t1);
    expect(t2.patch).toBeUndefined();
    const unkeyed: TableSchema = { fields: FIELDS, key: [], time: null };
    const u1 = await writeTable(ColumnStore.fromTableData(table(baseRows(N))), null, unkeyed, blobs);
    const changed = baseRows(N).map((r, i) => (i === 5 ? [r[0], 7, r[2]] : r));
    const u2 = await writeTableVersion(ColumnStore.fromTableData(table(changed)), null, unkeyed, blobs, u1, u1.chunking);
    expect(u2.patch).toBeUndefined();
  });
});

describe('manifest formats', () => {
  it('reads format 1 and 2 and refuses unknown formats and inconsistent patches', async () => {
    const blobs = new MemoryBlobs();
    const v1 = await write(blobs, baseRows(2000), null);
    const bytes = (o: unknown): Uint8Array => Buffer.from(JSON.stringify(o));
    expect(() => decodeManifest(bytes({ ...v1, format: 3 }), 't')).toThrow(/format 3 is not supported.*expects 1 or 2/);
    expect(() => decodeManifest(bytes({ ...v1, format: 2 }), 't')).toThrow(/format 2 lacks a patch/);
    expect(() => decodeManifest(bytes({ ...v1, patch: { updates: [], inserts: [], deletes: [], columns: [] } }), 't')).toThrow(/format 1 must not have a patch/);
    expect(() => decodeManifest(bytes({ ...v1, format: 2, patch: { updates: [{ oid: 'x' }], inserts: [], deletes: [], columns: [] } }), 't')).toThrow(/bad chunk id/);
  });
});
