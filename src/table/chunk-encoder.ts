/**
 * Encodes and stores the chunks of a table being written, in the main
 * thread or on worker threads (chunk-worker-pool.ts). Either way a chunk's
 * bytes, object id, manifest entry and digest are the same: both run
 * encodeGatheredChunk on the same gathered arrays and write the same git
 * object.
 *
 * Worker threads are used only when FV_WORKERS=N (N > 0) asks for them,
 * and only from the compiled dist/ (run from the TypeScript sources, as the
 * unit tests do, there is no worker script). They are off by default
 * because, with the rows of the whole table parsed before the first chunk is
 * encoded, they did not pay: a worker costs ~0.3 s CPU to start (its own
 * isolate and apache-arrow) and runs its first few hundred chunks slower
 * while its code warms up, and the main thread only waits on it
 * (docs/PERFORMANCE.md, session 3). Measured again with the streamed
 * writer (parsing overlaps encoding) and deflate on libuv's thread pool
 * (session 4): one worker took more CPU and ~40 MB more memory, and no
 * clear wall-time gain, so the default stays in-thread.
 */
import { existsSync } from 'node:fs';
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

/** FV_WORKERS: how many worker threads encode chunks (default 0: the main thread does). */
function workerCount(): number {
  const setting = process.env.FV_WORKERS;
  if (setting === undefined || setting === '') return 0;
  if (!/^\d{1,2}$/.test(setting)) throw new FvError('BAD_USAGE', `FV_WORKERS=${JSON.stringify(setting)} is not a number of worker threads (0-99)`, { hint: 'FV_WORKERS=0 encodes chunks in the main thread' });
  return Number(setting);
}

/** An encoder for a table of `chunkCount` chunks with key columns `keyIdx`, storing into `blobs`. */
export function openChunkEncoder(blobs: BlobStore, keyIdx: number[], chunkCount: number): ChunkEncoder {
  const count = chunkCount === 0 ? 0 : workerCount();
  const writeHashed = blobs.writeHashedBlob?.bind(blobs);
  if (count === 0 || writeHashed === undefined || !existsSync(fileURLToPath(WORKER_SCRIPT))) return new InThreadChunkEncoder(keyIdx, blobs);
  return new WorkerChunkEncoder(WORKER_SCRIPT, count, keyIdx, writeHashed);
}
