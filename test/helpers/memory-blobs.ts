/** A BlobStore in memory for unit tests: blobs under their git blob ids. */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../src/table/blob-store.js';

export class MemoryBlobs implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();

  async writeBlob(bytes: Uint8Array): Promise<string> {
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    this.blobs.set(oid, bytes);
    return oid;
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const b = this.blobs.get(oid);
    if (!b) throw new Error(`no blob ${oid}`);
    return b;
  }
}
