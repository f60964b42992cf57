/**
 * What the table layer needs from storage: put and get immutable blobs by
 * id. The table layer never sees git; storage/ implements this with git
 * objects (loose, or packed when a command writes many).
 */
export interface BlobStore {
  /**
   * Stores bytes as a git blob and returns its id (40 hex). Writing an
   * existing blob is a no-op. The bytes must not change afterwards: the
   * store may deflate and write them after this returns.
   */
  writeBlob(bytes: Uint8Array): Promise<string>;
  /**
   * Stores a blob whose git blob id was computed elsewhere (a chunk worker,
   * with storage/loose-object.ts's gitObjectId), under the same rules as
   * writeBlob. Optional: without it, chunks are encoded in the main thread
   * and stored through writeBlob.
   */
  writeHashedBlob?(oid: string, bytes: Uint8Array): Promise<void>;
  readBlob(oid: string): Promise<Uint8Array>;
}
