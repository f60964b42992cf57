/**
 * Entry point of a chunk worker thread (started by chunk-worker-pool.ts from
 * the compiled dist/): encodes each chunk it is sent and replies with the
 * result or the error, in the order the jobs came.
 */
import { parentPort } from 'node:worker_threads';
import { runChunkJob, serializeError } from './chunk-job.js';
import type { ChunkJob, ChunkReply } from './chunk-job.js';
import { RowEncoder } from './row-hash.js';

const port = parentPort;
if (port === null) throw new Error('chunk-worker.js runs as a worker thread only');
const enc = new RowEncoder();
port.on('message', (job: ChunkJob) => {
  let reply: ChunkReply;
  try {
    reply = runChunkJob(job, enc);
  } catch (e) {
    port.postMessage({ id: job.id, error: serializeError(e) } satisfies ChunkReply);
    return;
  }
  port.postMessage(reply, [reply.bytes.buffer as ArrayBuffer]);
});
