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
import type { ColumnStore } from './column-store.js';
import { hashRows, murmur3x86_128, RowDigest, RowEncoder } from './row-hash.js';
import type { TableData } from './table-data.js';
import { typeToString } from './types.js';
import type { Value } from './types.js';
import { compareValues, formatValue } from './values.js';

const MAX_PENDING_WRITES = 16;

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

/** Lane 0 of the hash of each row's key (of the whole row when unkeyed), in stored order. */
function boundaryHashes(store: ColumnStore, order: Uint32Array | null, keyIdx: number[]): { hashes: Uint32Array; avgRowBytes: number } {
  const cols = keyIdx.length > 0 ? keyIdx : store.fields.map((_, i) => i);
  const types = store.fields.map((f) => f.type);
  const enc = new RowEncoder();
  const out = new Uint32Array(4);
  const hashes = new Uint32Array(store.rowCount);
  for (let i = 0; i < store.rowCount; i++) {
    const r = order === null ? i : order[i]!;
    enc.reset();
    for (const c of cols) enc.add(store.get(c, r), types[c]!);
    murmur3x86_128(enc.bytes(), out, 0);
    hashes[i] = out[0]!;
  }
  // Row width for choosing chunk sizes: a sample is enough.
  let bytes = 0;
  const sample = Math.min(store.rowCount, 1000);
  for (let i = 0; i < sample; i++) {
    enc.reset();
    for (let c = 0; c < types.length; c++) enc.add(store.get(c, i), types[c]!);
    bytes += enc.length;
  }
  return { hashes, avgRowBytes: sample === 0 ? 64 : bytes / sample };
}

/**
 * Writes the rows of `store` in `order` (null: as stored; keyed tables must
 * be given their key order) as chunks, and returns the table's manifest.
 * `chunking` is the table's existing parameters, or undefined to choose them.
 */
export async function writeTable(store: ColumnStore, order: Uint32Array | null, schema: TableSchema, blobs: BlobStore, chunking?: ChunkingParams): Promise<TableManifest> {
  const types = store.fields.map((f) => f.type);
  const keyIdx = schema.key.map((k) => store.fields.findIndex((f) => f.name === k));
  const { hashes, avgRowBytes } = boundaryHashes(store, order, keyIdx);
  const params = chunking ?? chooseChunking(avgRowBytes);
  const total = new RowDigest();
  const chunks: ChunkRef[] = [];
  const pending: Promise<void>[] = [];
  let start = 0;
  for (const end of chunkBoundaries(hashes, params)) {
    const part = store.slice(order, start, end);
    const { rowHashes } = hashRows(part.columns, types, part.rowCount, null);
    const digest = new RowDigest();
    for (let r = 0; r < part.rowCount; r++) digest.add(rowHashes, r * 4);
    total.addDigest(digest);
    const bytes = encodeArrowIpc(part, { format: 'file' });
    // Writes are I/O-bound: keep several in flight while the next chunks encode.
    const ref: ChunkRef = { oid: '', rows: part.rowCount, bytes: bytes.length, digest: digest.toHex(), columns: part.columns.map((c, i) => columnStats(c, types[i]!)) };
    if (keyIdx.length > 0) {
      ref.key_min = keyIdx.map((i) => formatValue(part.columns[i]![0]!, types[i]!));
      ref.key_max = keyIdx.map((i) => formatValue(part.columns[i]![part.rowCount - 1]!, types[i]!));
    }
    chunks.push(ref);
    pending.push(blobs.writeBlob(bytes).then((oid) => void (ref.oid = oid)));
    if (pending.length >= MAX_PENDING_WRITES) await Promise.all(pending.splice(0));
    start = end;
  }
  await Promise.all(pending);
  const digest = total.toHex();
  return {
    format: MANIFEST_FORMAT,
    fields: store.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })),
    key: schema.key,
    time: schema.time,
    rows: store.rowCount,
    digest,
    content_hash: contentHash(schema, digest, store.rowCount),
    chunking: params,
    chunks,
  };
}
