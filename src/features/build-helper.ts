/**
 * fv build's second thread, seen from the main thread. A build reads every
 * chunk of its inputs, joins, and (for Parquet) runs parquet-wasm, all of
 * which used to run on one core. The helper thread (build-helper-worker.ts)
 * reads and verifies git objects (file read, inflate, SHA-1) ahead of the
 * main thread, which meanwhile decodes the previous chunks; then it warms up
 * parquet-wasm during the join and writes the Parquet file.
 *
 * The helper never changes a result: it runs the same code the main thread
 * would (ObjectReader.read, parquetFromIpcStream), and whatever it does not
 * answer (an object it cannot read, a failed write, a thread that died) the
 * main thread does itself, raising the errors a build without it raises.
 *
 * It runs only from the compiled dist/ (from the TypeScript sources, as the
 * unit tests run, there is no worker script) and not when FV_BUILD_THREAD=0.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HelperReply, HelperRequest } from './build-helper-protocol.js';

const WORKER_SCRIPT = new URL('./build-helper-worker.js', import.meta.url);

/** Objects per read request, and requests kept in flight: ~32 chunks (a few MB) read ahead of the decoder. */
const READ_BATCH = 8;
const READS_AHEAD = 4;
/** How many batches ahead of the consumer this thread reads, when the helper falls behind. */
const MAX_AHEAD = 16;

/** Blobs of one batch of object ids: null until read; an id where the helper did not answer. */
interface Batch {
  oids: string[];
  blobs: (Uint8Array | string)[] | null;
  reply: Promise<void> | null;
}

type Request = HelperRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class BuildHelper {
  private readonly thread: Worker;
  private nextId = 0;
  /** Requests not answered yet; a thread that stops answers all of them with null. */
  private readonly pending = new Map<number, (reply: HelperReply | null) => void>();
  private stopped = false;

  /** A helper thread for the repository at `gitdir`, or null where there is none (see the module comment). */
  static start(gitdir: string): BuildHelper | null {
    if (process.env.FV_BUILD_THREAD === '0' || !existsSync(fileURLToPath(WORKER_SCRIPT))) return null;
    return new BuildHelper(gitdir);
  }

  private constructor(gitdir: string) {
    this.thread = new Worker(WORKER_SCRIPT, { workerData: { gitdir } });
    this.thread.on('message', (reply: HelperReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    const stop = (): void => {
      this.stopped = true;
      for (const answer of this.pending.values()) answer(null);
      this.pending.clear();
    };
    this.thread.on('error', stop);
    this.thread.on('messageerror', stop);
    this.thread.on('exit', stop);
  }

  private request(req: Request, transfer: ArrayBuffer[] = []): Promise<HelperReply | null> {
    if (this.stopped) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.thread.postMessage({ ...req, id }, transfer);
    });
  }

  /**
   * The blobs `oids` name, in order. The helper thread reads them a few
   * batches ahead of the consumer; whenever the batch the consumer needs is
   * not back yet, this thread reads the next batch not yet asked for
   * instead of waiting (so each thread reads as many as its speed allows),
   * up to MAX_AHEAD batches ahead. `readHere` reads in this thread, also
   * the blobs the helper did not answer.
   */
  async *readBlobs(oids: string[], readHere: (oid: string) => Promise<Uint8Array>): AsyncGenerator<Uint8Array> {
    const batches: Batch[] = [];
    for (let at = 0; at < oids.length; at += READ_BATCH) batches.push({ oids: oids.slice(at, at + READ_BATCH), blobs: null, reply: null });
    let next = 0; // batches before `next` are asked for or read
    let asked = 0; // of those, batches the helper has not answered yet
    const askMore = (): void => {
      while (asked < READS_AHEAD && next < batches.length) {
        const b = batches[next++]!;
        asked++;
        b.reply = this.request({ kind: 'read', oids: b.oids }).then((reply) => {
          asked--;
          b.blobs = b.oids.map((oid, i) => {
            const slot = reply?.kind === 'read' ? reply.slots[i] : null;
            return slot ? new Uint8Array((reply as HelperReply & { kind: 'read' }).buffer, slot.start, slot.length) : oid;
          });
        });
      }
    };
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      askMore();
      while (b.blobs === null && next < batches.length && next - i < MAX_AHEAD) {
        const mine = batches[next++]!;
        mine.blobs = [];
        for (const oid of mine.oids) mine.blobs.push(await readHere(oid));
        // Let the helper's replies in (they are events, not microtasks) before deciding to read another.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (b.blobs === null) await b.reply;
      for (const blob of b.blobs!) yield typeof blob === 'string' ? await readHere(blob) : blob;
      b.blobs = null; // the consumer keeps what it needs: let the batch's buffer go
    }
  }

  /** Lets the helper compile parquet-wasm's code by writing `ipc` (a small Arrow IPC stream) while this thread works on. */
  warmParquet(ipc: Uint8Array): void {
    if (!this.stopped) this.thread.postMessage({ kind: 'warm-parquet', ipc } satisfies HelperRequest);
  }

  /** parquetFromIpcStream(ipc, seconds) on the helper thread; null if it did not write it. `ipc` is transferred when it owns its buffer. */
  async writeParquet(ipc: Uint8Array, seconds: string[]): Promise<Uint8Array | null> {
    const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
    const reply = await this.request({ kind: 'parquet', ipc, seconds }, own ? [ipc.buffer as ArrayBuffer] : []);
    return reply?.kind === 'parquet' ? reply.bytes : null;
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.thread.terminate();
  }
}
