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
import { openChunkEncoder } from './chunk-encoder.js';
import type { BlobStore } from './blob-store.js';
import type { ChunkRef, ChunkingParams, TableManifest, TableSchema } from './manifest.js';
import { contentHash, MANIFEST_FORMAT } from './manifest.js';
import type { ColumnStore } from './column-store.js';
import { murmur3x86_128, RowDigest, RowEncoder } from './row-hash.js';
import { typeToString } from './types.js';

/** Chunks being encoded (in a worker) or written at a time. */
const MAX_PENDING_CHUNKS = 16;

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

/** Lane 0 of the hash of each row's key (of the whole row when unkeyed), in stored order. */
function boundaryHashes(store: ColumnStore, order: Uint32Array | null, keyIdx: number[]): { hashes: Uint32Array; avgRowBytes: number } {
  const all = store.fields.map((_, i) => i);
  const cols = keyIdx.length > 0 ? keyIdx : all;
  const enc = new RowEncoder();
  const out = new Uint32Array(4);
  const hashes = new Uint32Array(store.rowCount);
  for (let i = 0; i < store.rowCount; i++) {
    store.encodeRow(order === null ? i : order[i]!, cols, enc);
    murmur3x86_128(enc.bytes(), out, 0);
    hashes[i] = out[0]!;
  }
  // Row width for choosing chunk sizes: a sample is enough.
  let bytes = 0;
  const sample = Math.min(store.rowCount, 1000);
  for (let i = 0; i < sample; i++) {
    store.encodeRow(i, all, enc);
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
  const keyIdx = schema.key.map((k) => store.fields.findIndex((f) => f.name === k));
  const { hashes, avgRowBytes } = boundaryHashes(store, order, keyIdx);
  const params = chunking ?? chooseChunking(avgRowBytes);
  const total = new RowDigest();
  const chunks: ChunkRef[] = [];
  const pending: Promise<void>[] = [];
  const ends = chunkBoundaries(hashes, params);
  const encoder = openChunkEncoder(blobs, keyIdx, ends.length);
  let start = 0;
  try {
    for (const [i, end] of ends.entries()) {
      const stored = encoder.encode(store, order, start, end).then(({ ref, digest }) => {
        chunks[i] = ref;
        total.addDigest(digest);
      });
      // Marked handled now: a chunk failing while an older one is awaited must not be an
      // unhandled rejection (that kills the process); it is still thrown when awaited.
      stored.catch(() => {});
      pending.push(stored);
      // A sliding window, not a batch barrier: waiting for all 16 chunks left the
      // main thread idle behind the slowest one. Waiting for the oldest keeps
      // encoding going while the rest are encoded, deflated and written.
      if (pending.length >= MAX_PENDING_CHUNKS) await pending.shift();
      start = end;
    }
    await Promise.all(pending);
  } catch (e) {
    // Let every chunk in flight finish (or clean up its temp file) before the
    // failure is reported, so the caller can take back what was written.
    await Promise.allSettled(pending);
    throw e;
  } finally {
    await encoder.close();
  }
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
