/**
 * Encodes and stores the chunks of a table being written, in the main
 * thread or on worker threads (chunk-worker-pool.ts). Either way a chunk's
 * bytes, object id, manifest entry and digest are the same: both run
 * encodeGatheredChunk on the same gathered arrays and write the same git
 * object.
 *
 * Workers are used when a table has enough chunks to pay for starting them
 * (a worker thread and its copy of apache-arrow take ~30-50 ms before the
 * first chunk), and only from the compiled dist/: run from the TypeScript
 * sources (the unit tests) there is no worker script, and chunks are
 * encoded in-thread. FV_WORKERS=N forces N workers for every table write,
 * FV_WORKERS=0 none.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FvError } from '../errors/FvError.js';
import type { BlobStore } from './blob-store.js';
import { encodeGatheredChunk, gatherChunk } from './chunk-encode.js';
import { WorkerChunkEncoder } from './chunk-worker-pool.js';
import type { ColumnStore } from './column-store.js';
import type { ChunkRef } from './manifest.js';
import { RowDigest, RowEncoder } from './row-hash.js';

export interface StoredChunk {
  /** The chunk's manifest entry, `oid` set. */
  ref: ChunkRef;
  digest: RowDigest;
}

export interface ChunkEncoder {
  /** Encodes rows order[start..end) of `store` (start..end when order is null) as one chunk and stores it. */
  encode(store: ColumnStore, order: Uint32Array | null, start: number, end: number): Promise<StoredChunk>;
  /** Releases the encoder's threads. Call once, when no encode() is pending any more. */
  close(): Promise<void>;
}

/** Fewer chunks than this are encoded in-thread (unless FV_WORKERS says otherwise). */
const MIN_CHUNKS_FOR_WORKERS = 64;

/** Beyond a few workers the main thread (gather, file writes) is the limit. */
const MAX_DEFAULT_WORKERS = 4;

const WORKER_SCRIPT = new URL('./chunk-worker.js', import.meta.url);

class InThreadChunkEncoder implements ChunkEncoder {
  private readonly enc = new RowEncoder();

  constructor(
    private readonly keyIdx: number[],
    private readonly blobs: BlobStore,
  ) {}

  async encode(store: ColumnStore, order: Uint32Array | null, start: number, end: number): Promise<StoredChunk> {
    const { bytes, ref, digest } = encodeGatheredChunk(gatherChunk(store, order, start, end), this.keyIdx, this.enc);
    ref.oid = await this.blobs.writeBlob(bytes);
    return { ref, digest };
  }

  async close(): Promise<void> {}
}

/** How many workers to encode `chunkCount` chunks with: FV_WORKERS, or one per spare core for a large table. */
function workerCount(chunkCount: number): number {
  const setting = process.env.FV_WORKERS;
  if (setting !== undefined && setting !== '') {
    if (!/^\d{1,2}$/.test(setting)) throw new FvError('BAD_USAGE', `FV_WORKERS=${JSON.stringify(setting)} is not a number of worker threads (0-99)`, { hint: 'FV_WORKERS=0 encodes chunks in the main thread' });
    return Number(setting);
  }
  if (chunkCount < MIN_CHUNKS_FOR_WORKERS) return 0;
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, availableParallelism() - 1));
}

/** An encoder for a table of `chunkCount` chunks with key columns `keyIdx`, storing into `blobs`. */
export function openChunkEncoder(blobs: BlobStore, keyIdx: number[], chunkCount: number): ChunkEncoder {
  const count = chunkCount === 0 ? 0 : workerCount(chunkCount);
  const writeDeflated = blobs.writeDeflatedBlob?.bind(blobs);
  if (count === 0 || writeDeflated === undefined || !existsSync(fileURLToPath(WORKER_SCRIPT))) return new InThreadChunkEncoder(keyIdx, blobs);
  return new WorkerChunkEncoder(WORKER_SCRIPT, count, keyIdx, writeDeflated);
}
