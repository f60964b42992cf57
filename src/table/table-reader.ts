/**
 * Reads a stored table back, chunk by chunk, as TableData in stored (key)
 * order. Every reader of table rows goes through here: for a patched
 * manifest (docs/FORMAT.md section 9) the base chunks are merge-joined with
 * the patch on the fly, so callers always see the table's actual rows.
 */
import { FvError } from '../errors/FvError.js';
import type { ChunkColumn } from './arrow/chunk-buffers.js';
import { readChunkBuffers } from './arrow/chunk-buffers.js';
import type { BlobStore } from './blob-store.js';
import type { ChunkRef, TableManifest } from './manifest.js';
import { manifestSchema } from './manifest.js';
import type { PatchRows } from './patch/patch-apply.js';
import { applyPatch, combinePatch, patchEntriesThrough } from './patch/patch-apply.js';
import type { TableData } from './table-data.js';
import { concatTables } from './table-data.js';
import type { Field } from './types.js';
import { sameType } from './types.js';

/** One stored chunk, checked against the fields it must have. */
export async function readChunkAs(store: BlobStore, fields: Field[], c: ChunkRef): Promise<TableData> {
  return decodeChunkAs(await store.readBlob(c.oid), fields, c);
}

/** The bytes of chunk `c` decoded and checked against the fields it must have. */
export async function decodeChunkAs(bytes: Uint8Array, fields: Field[], c: ChunkRef): Promise<TableData> {
  // A chunk in fv's own layout, with exactly these fields and c.rows rows, is read without
  // apache-arrow's IPC reader (its per-chunk cost was half of a whole-table diff); the
  // values are the same, made by the same conversion. Anything else is decoded the general way.
  const buffers = readChunkBuffers(bytes, fields, c.rows);
  return buffers !== null ? chunkValues(fields, buffers, c.rows) : decodeGeneral(bytes, fields, c);
}

/**
 * Chunk `c`'s column buffers, without a JS value per cell: views over the
 * chunk in fv's own layout, else the general decoder's values encoded back.
 */
export async function readChunkBuffersAs(store: BlobStore, fields: Field[], c: ChunkRef): Promise<ChunkColumn[]> {
  const bytes = await store.readBlob(c.oid);
  const buffers = readChunkBuffers(bytes, fields, c.rows);
  if (buffers !== null) return buffers;
  const [{ columnarFromTableData }, { chunkColumnOf }] = await Promise.all([loadTypedColumns(), loadChunkColumns()]);
  return columnarFromTableData(await decodeGeneral(bytes, fields, c)).columns.map(chunkColumnOf);
}

/** The values of a chunk's column buffers (apache-arrow is loaded on the first call). */
export async function chunkValues(fields: Field[], buffers: ChunkColumn[], rows: number): Promise<TableData> {
  const [{ tableDataFromColumnar }, { arrowColumns }] = await Promise.all([loadTypedColumns(), loadChunkColumns()]);
  return tableDataFromColumnar({ fields, columns: arrowColumns(fields, buffers, rows), rowCount: rows });
}

// The modules that need apache-arrow, loaded on first use: reading a chunk's buffers does
// not, and commands that only compare chunk ids (status, checkout) decode none. Each
// import() runs once: resolving it again per chunk was a tenth of a second of a diff
// that reads every chunk of a 1M-row table.
let typedColumnsModule: Promise<typeof import('./arrow/typed-columns.js')> | undefined;
let chunkColumnsModule: Promise<typeof import('./arrow/chunk-columns.js')> | undefined;
const loadTypedColumns = (): Promise<typeof import('./arrow/typed-columns.js')> => (typedColumnsModule ??= import('./arrow/typed-columns.js'));
const loadChunkColumns = (): Promise<typeof import('./arrow/chunk-columns.js')> => (chunkColumnsModule ??= import('./arrow/chunk-columns.js'));

/** Any Arrow IPC chunk, through apache-arrow's reader, which also names what is wrong with a damaged one. */
async function decodeGeneral(bytes: Uint8Array, fields: Field[], c: ChunkRef): Promise<TableData> {
  const { decodeArrowIpc } = await import('./arrow/arrow-codec.js');
  const data = decodeArrowIpc(bytes, `chunk ${c.oid}`);
  if (data.rowCount !== c.rows || data.fields.length !== fields.length || data.fields.some((f, i) => f.name !== fields[i]!.name || !sameType(f.type, fields[i]!.type))) {
    throw new FvError('CORRUPT', `chunk ${c.oid} does not match its manifest`, { hint: 'run `git fsck --full` to check the repository' });
  }
  // The manifest's types are authoritative (e.g. a timezone spelling).
  return { ...data, fields };
}

/** One base chunk as stored, without the manifest's patch: only for callers that apply the patch themselves. */
export async function readChunk(store: BlobStore, m: TableManifest, c: ChunkRef): Promise<TableData> {
  return readChunkAs(store, manifestSchema(m).fields, c);
}

export function keyIndexesOf(m: TableManifest): number[] {
  return m.key.map((k) => m.fields.findIndex((f) => f.name === k));
}

async function readAll(store: BlobStore, fields: Field[], refs: ChunkRef[]): Promise<TableData> {
  const parts: TableData[] = [];
  for (const c of refs) parts.push(await readChunkAs(store, fields, c));
  return concatTables(fields, parts);
}

/** The manifest's patch as one key-sorted entry list (empty for an unpatched manifest). */
export async function loadPatch(store: BlobStore, m: TableManifest): Promise<PatchRows> {
  const fields = manifestSchema(m).fields;
  const keyIdx = keyIndexesOf(m);
  const p = m.patch ?? { updates: [], inserts: [], deletes: [] };
  const keyFields = keyIdx.map((i) => fields[i]!);
  return combinePatch(fields, keyIdx, await readAll(store, fields, p.updates), await readAll(store, fields, p.inserts), await readAll(store, keyFields, p.deletes));
}

/** The table's rows, one stored base chunk (with its share of the patch applied) at a time. */
export async function* readChunks(store: BlobStore, m: TableManifest): AsyncGenerator<TableData> {
  if (!m.patch) {
    for (const c of m.chunks) yield await readChunk(store, m, c);
    return;
  }
  const patch = await loadPatch(store, m);
  const keyIdx = keyIndexesOf(m);
  let from = 0;
  for (let i = 0; i < m.chunks.length; i++) {
    const base = await readChunk(store, m, m.chunks[i]!);
    // Entries up to this chunk's last key belong to it; the last chunk takes the rest (appended keys).
    const to = i === m.chunks.length - 1 ? patch.data.rowCount : base.rowCount === 0 ? from : patchEntriesThrough(patch, keyIdx, from, base, base.rowCount - 1);
    yield applyPatch(base, keyIdx, patch, from, to);
    from = to;
  }
  if (m.chunks.length === 0) yield applyPatch({ fields: patch.data.fields, columns: patch.data.fields.map(() => []), rowCount: 0 }, keyIdx, patch, 0, patch.data.rowCount);
}

export async function readWholeTable(store: BlobStore, m: TableManifest): Promise<TableData> {
  const parts: TableData[] = [];
  for await (const p of readChunks(store, m)) parts.push(p);
  return concatTables(manifestSchema(m).fields, parts);
}
