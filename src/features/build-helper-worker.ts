/**
 * Entry point of fv build's helper thread (started by build-helper.ts from
 * the compiled dist/). It reads and verifies the input tables' git objects
 * while the main thread decodes them, then warms up and runs the Parquet
 * writer while the main thread joins. It loads neither apache-arrow nor
 * isomorphic-git: only the object reader and parquet-wasm.
 *
 * Nothing here reports an error: an object it cannot read, or a Parquet
 * write that fails, is answered with null and the main thread does that
 * step itself, which raises exactly the error a build without this thread
 * would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ObjectReader } from '../storage/object-reader.js';
import { parquetFromIpcStream } from '../table/formats/parquet-wasm.js';
import type { HelperReply, HelperRequest, ObjectSlot } from './build-helper-protocol.js';

const port = parentPort;
if (port === null) throw new Error('build-helper-worker.js runs as a worker thread only');
const objects = new ObjectReader((workerData as { gitdir: string }).gitdir);

function blobOrNull(oid: string): Buffer | null {
  try {
    const obj = objects.read(oid);
    return obj !== undefined && obj.type === 'blob' ? obj.data : null;
  } catch {
    return null;
  }
}

/** The blobs of `oids` copied into one transferable buffer, each at an 8-byte aligned offset. */
function readBlobs(id: number, oids: string[]): HelperReply & { kind: 'read' } {
  const found = oids.map(blobOrNull);
  const slots: ObjectSlot[] = [];
  let size = 0;
  for (const data of found) {
    slots.push(data === null ? null : { start: size, length: data.length });
    if (data !== null) size += (data.length + 7) & ~7;
  }
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  found.forEach((data, i) => data !== null && bytes.set(data, slots[i]!.start));
  return { kind: 'read', id, buffer, slots };
}

/** The Parquet file in a buffer of its own (a transfer takes the whole ArrayBuffer), or null if the write failed. */
function parquetOrNull(ipc: Uint8Array, seconds: string[]): Uint8Array | null {
  let bytes: Uint8Array;
  try {
    bytes = parquetFromIpcStream(ipc, seconds);
  } catch {
    return null;
  }
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

port.on('message', (req: HelperRequest) => {
  switch (req.kind) {
    case 'read': {
      const reply = readBlobs(req.id, req.oids);
      port.postMessage(reply, [reply.buffer]);
      return;
    }
    case 'warm-parquet':
      // The first write compiles the wasm functions it runs (lazily, per function): done here
      // on a small table while the main thread joins, the real write runs compiled code.
      parquetOrNull(req.ipc, []);
      return;
    case 'parquet': {
      const bytes = parquetOrNull(req.ipc, req.seconds);
      port.postMessage({ kind: 'parquet', id: req.id, bytes } satisfies HelperReply, bytes === null ? [] : [bytes.buffer as ArrayBuffer]);
      return;
    }
  }
});
