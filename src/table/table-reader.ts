/** Reads a stored table back, chunk by chunk, as TableData in stored (key) order. */
import { FvError } from '../errors/FvError.js';
import type { BlobStore } from './blob-store.js';
import type { ChunkRef, TableManifest } from './manifest.js';
import { manifestSchema } from './manifest.js';
import type { TableData } from './table-data.js';
import { concatTables } from './table-data.js';
import { sameType } from './types.js';

export async function readChunk(store: BlobStore, m: TableManifest, c: ChunkRef): Promise<TableData> {
  // Loaded on the first chunk decoded: commands that only compare chunk ids (status, checkout) never load apache-arrow.
  const { decodeArrowIpc } = await import('./arrow/arrow-codec.js');
  const data = decodeArrowIpc(await store.readBlob(c.oid), `chunk ${c.oid}`);
  const fields = manifestSchema(m).fields;
  if (data.rowCount !== c.rows || data.fields.length !== fields.length || data.fields.some((f, i) => f.name !== fields[i]!.name || !sameType(f.type, fields[i]!.type))) {
    throw new FvError('CORRUPT', `chunk ${c.oid} does not match its manifest`, { hint: 'run `git fsck --full` to check the repository' });
  }
  // The manifest's types are authoritative (e.g. a timezone spelling).
  return { ...data, fields };
}

export async function* readChunks(store: BlobStore, m: TableManifest): AsyncGenerator<TableData> {
  for (const c of m.chunks) yield await readChunk(store, m, c);
}

export async function readWholeTable(store: BlobStore, m: TableManifest): Promise<TableData> {
  const parts: TableData[] = [];
  for await (const p of readChunks(store, m)) parts.push(p);
  return concatTables(manifestSchema(m).fields, parts);
}
