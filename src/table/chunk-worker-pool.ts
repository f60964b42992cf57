/**
 * A ChunkEncoder backed by worker threads. The main thread gathers each
 * chunk's rows (the only step that needs the whole store), transfers the
 * gathered arrays to the least busy worker, and stores the blob the worker
 * sends back (its deflate runs on libuv's thread pool, as in-thread); the
 * worker does the rest: row digest, statistics, Arrow encoding and SHA-1.
 *
 * One failed chunk fails the pool: every chunk in flight and every later
 * encode() rejects with that error (rebuilt as the same FvError), and the
 * caller's cleanup takes back what was written, as for an in-thread failure.
 */
import { Worker } from 'node:worker_threads';
import { gatherChunk } from './chunk-encode.js';
import type { ChunkEncoder, StoredChunk } from './chunk-encoder.js';
import { deserializeError, jobTransferList } from './chunk-job.js';
import type { ChunkDone, ChunkJob, ChunkReply } from './chunk-job.js';
import type { ColumnStore } from './column-store.js';
import { RowDigest } from './row-hash.js';

interface Pending {
  resolve: (done: ChunkDone) => void;
  reject: (e: unknown) => void;
}

interface PoolWorker {
  thread: Worker;
  /** Jobs sent to this worker and not answered yet, by id. */
  jobs: Map<number, Pending>;
}

export class WorkerChunkEncoder implements ChunkEncoder {
  private readonly workers: PoolWorker[];
  private nextId = 0;
  /** The first failure (a chunk's error, or a worker that died); every later encode() rejects with it. */
  private failure: { error: unknown } | undefined;
  private closing = false;

  /** `storeBlob` stores a chunk's bytes under the id the worker computed (BlobStore.writeHashedBlob). */
  constructor(
    script: URL,
    count: number,
    private readonly keyIdx: number[],
    private readonly storeBlob: (oid: string, bytes: Uint8Array) => Promise<void>,
  ) {
    this.workers = Array.from({ length: count }, () => this.spawn(script));
  }

  private spawn(script: URL): PoolWorker {
    const pw: PoolWorker = { thread: new Worker(script), jobs: new Map() };
    pw.thread.on('message', (reply: ChunkReply) => {
      if ('error' in reply) return this.fail(deserializeError(reply.error));
      pw.jobs.get(reply.id)?.resolve(reply);
      pw.jobs.delete(reply.id);
    });
    pw.thread.on('error', (e) => this.fail(e));
    pw.thread.on('messageerror', (e) => this.fail(e));
    pw.thread.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`a chunk worker thread stopped (exit code ${code})`));
    });
    return pw;
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const pw of this.workers) {
      for (const job of pw.jobs.values()) job.reject(this.failure.error);
      pw.jobs.clear();
    }
  }

  async encode(store: ColumnStore, order: Uint32Array | null, start: number, end: number): Promise<StoredChunk> {
    if (this.failure !== undefined) throw this.failure.error;
    const chunk = gatherChunk(store, order, start, end);
    const pw = this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const job: ChunkJob = { id: this.nextId++, chunk, keyIdx: this.keyIdx };
    const done = await new Promise<ChunkDone>((resolve, reject) => {
      pw.jobs.set(job.id, { resolve, reject });
      try {
        pw.thread.postMessage(job, jobTransferList(chunk));
      } catch (e) {
        pw.jobs.delete(job.id);
        reject(e);
      }
    });
    await this.storeBlob(done.ref.oid, done.bytes);
    const digest = new RowDigest();
    digest.add(done.lanes);
    return { ref: done.ref, digest };
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((pw) => pw.thread.terminate()));
  }
}
