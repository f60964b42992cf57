/**
 * Cuts a sorted table into content-defined chunks, encodes each as a
 * canonical Arrow IPC file, stores it as a blob and returns the manifest.
 *
 * Boundaries depend only on the rows (the hash of each row's key, or of the
 * whole row for unkeyed tables) and the table's chunking parameters, which
 * are fixed when the table is first written. So an append or a change
 * confined to a key range rewrites only the chunks it touches, and the same
 * rows always give the same chunks: identical data is stored once.
 */
import { encodeArrowIpc } from './arrow/arrow-codec.js';
import type { BlobStore } from './blob-store.js';
import type { ChunkRef, ChunkingParams, ColumnStats, TableManifest, TableSchema } from './manifest.js';
import { contentHash, MANIFEST_FORMAT } from './manifest.js';
import { hashRows, RowDigest } from './row-hash.js';
import type { TableData } from './table-data.js';
import { sliceRows } from './table-data.js';
import { typeToString } from './types.js';
import type { Value } from './types.js';
import { compareValues, formatValue } from './values.js';

/** Aim for chunks of about this many bytes of row data before compression. */
const TARGET_CHUNK_BYTES = 64 * 1024;

/** Chooses chunking parameters for a new table from the width of its rows. */
export function chooseChunking(avgRowBytes: number): ChunkingParams {
  const rows = Math.max(64, Math.min(8192, TARGET_CHUNK_BYTES / Math.max(1, avgRowBytes)));
  // A power of two near `rows`; the average chunk is min_rows + 2^mask_bits.
  const bits = Math.max(4, Math.round(Math.log2(rows * 0.75)));
  const random = 2 ** bits;
  return { min_rows: Math.max(1, Math.round(random / 3)), mask_bits: bits, max_rows: random * 4 };
}

/** Chunk boundaries (exclusive end offsets) for rows whose key hashes are given. */
export function chunkBoundaries(keyHashes: Uint32Array, p: ChunkingParams): number[] {
  const mask = p.mask_bits >= 32 ? 0xffffffff : (1 << p.mask_bits) - 1;
  const ends: number[] = [];
  let start = 0;
  for (let r = 0; r < keyHashes.length; r++) {
    const size = r - start + 1;
    if (size >= p.max_rows || (size >= p.min_rows && (keyHashes[r]! & mask) === 0)) {
      ends.push(r + 1);
      start = r + 1;
    }
  }
  if (start < keyHashes.length) ends.push(keyHashes.length);
  return ends;
}

function columnStats(col: Value[], t: TableData['fields'][number]['type']): ColumnStats {
  let nulls = 0;
  let min: Value = null, max: Value = null;
  for (const v of col) {
    if (v === null) {
      nulls++;
      continue;
    }
    if (min === null || compareValues(v, min) < 0) min = v;
    if (max === null || compareValues(v, max) > 0) max = v;
  }
  return { nulls, min: min === null ? null : formatValue(min, t), max: max === null ? null : formatValue(max, t) };
}

/**
 * Writes `data` (already in key order for keyed tables) as chunks and
 * returns its manifest. `chunking` is the table's existing parameters, or
 * undefined to choose them from the data.
 */
export async function writeTable(data: TableData, schema: TableSchema, store: BlobStore, chunking?: ChunkingParams): Promise<TableManifest> {
  const types = data.fields.map((f) => f.type);
  const keyIdx = schema.key.map((k) => data.fields.findIndex((f) => f.name === k));
  const { rowHashes, keyHashes, encodedBytes } = hashRows(data.columns, types, data.rowCount, keyIdx.length > 0 ? keyIdx : null);
  const params = chunking ?? chooseChunking(data.rowCount === 0 ? 64 : encodedBytes / data.rowCount);
  const total = new RowDigest();
  const chunks: ChunkRef[] = [];
  let start = 0;
  for (const end of chunkBoundaries(keyHashes, params)) {
    const part = sliceRows(data, start, end);
    const digest = new RowDigest();
    for (let r = start; r < end; r++) digest.add(rowHashes, r * 4);
    total.addDigest(digest);
    const bytes = encodeArrowIpc(part, { format: 'file' });
    const oid = await store.writeBlob(bytes);
    const ref: ChunkRef = { oid, rows: end - start, bytes: bytes.length, digest: digest.toHex(), columns: part.columns.map((c, i) => columnStats(c, types[i]!)) };
    if (keyIdx.length > 0) {
      ref.key_min = keyIdx.map((i) => formatValue(part.columns[i]![0]!, types[i]!));
      ref.key_max = keyIdx.map((i) => formatValue(part.columns[i]![part.rowCount - 1]!, types[i]!));
    }
    chunks.push(ref);
    start = end;
  }
  const digest = total.toHex();
  return {
    format: MANIFEST_FORMAT,
    fields: data.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })),
    key: schema.key,
    time: schema.time,
    rows: data.rowCount,
    digest,
    content_hash: contentHash(schema, digest, data.rowCount),
    chunking: params,
    chunks,
  };
}
