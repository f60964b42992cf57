/**
 * What passes between the main thread and a chunk worker: a gathered chunk
 * goes out (its typed arrays transferred, not copied), its manifest entry,
 * row digest and ready-to-write git object come back, or the error it
 * raised, rebuilt on the main thread as the same FvError.
 */
import { encodeGatheredChunk } from './chunk-encode.js';
import type { GatheredChunk } from './chunk-encode.js';
import { FvError } from '../errors/FvError.js';
import type { FvErrorCode } from '../errors/FvError.js';
import { gitObjectId } from '../storage/loose-object.js';
import type { ChunkRef } from './manifest.js';
import type { RowEncoder } from './row-hash.js';

export interface ChunkJob {
  id: number;
  chunk: GatheredChunk;
  keyIdx: number[];
}

export interface ChunkDone {
  id: number;
  /** The manifest entry, `oid` set. */
  ref: ChunkRef;
  /** The chunk's row digest lanes (RowDigest.lanes). */
  lanes: Uint32Array;
  /** The chunk's bytes, its git blob (id in `ref.oid`). */
  bytes: Uint8Array;
}

type SerializedError = { fv: { code: FvErrorCode; message: string; hint: string | undefined; data: Record<string, unknown> } } | { name: string; message: string; stack: string | undefined };

export interface ChunkFailed {
  id: number;
  error: SerializedError;
}

export type ChunkReply = ChunkDone | ChunkFailed;

/** The buffers a job can hand over without copying: every typed array of its gathered columns. */
export function jobTransferList(chunk: GatheredChunk): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | null) => void (a !== null && buffers.add(a.buffer as ArrayBuffer));
  for (const g of chunk.columns) {
    switch (g.kind) {
      case 'number': add(g.values), add(g.valid); break;
      case 'int64': add(g.words), add(g.valid); break;
      case 'bool': add(g.values); break;
      case 'utf8': add(g.bytes), add(g.offsets), add(g.valid); break;
      case 'values': break; // boxed values are copied
    }
  }
  return [...buffers];
}

/** Encodes a job's chunk and computes its git blob id: what a worker does per message. */
export function runChunkJob(job: ChunkJob, enc: RowEncoder): ChunkDone {
  const { bytes, ref, digest } = encodeGatheredChunk(job.chunk, job.keyIdx, enc);
  ref.oid = gitObjectId('blob', bytes);
  // Sent by transfer, which takes the whole ArrayBuffer: copy a view of a larger (pooled) one first.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  return { id: job.id, ref, lanes: digest.lanes, bytes: own };
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof FvError) return { fv: { code: e.code, message: e.message, hint: e.hint, data: e.data } };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, stack: err.stack };
}

/** The error a worker raised, as the main thread would have raised it encoding in-thread. */
export function deserializeError(s: SerializedError): Error {
  if ('fv' in s) return new FvError(s.fv.code, s.fv.message, { hint: s.fv.hint, data: s.fv.data });
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}
