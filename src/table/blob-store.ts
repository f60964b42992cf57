/**
 * What the table layer needs from storage: put and get immutable blobs by
 * id. The table layer never sees git; storage/ implements this with git
 * loose objects.
 */
export interface BlobStore {
  /** Stores bytes as a git blob and returns its id (40 hex). Writing an existing blob is a no-op. */
  writeBlob(bytes: Uint8Array): Promise<string>;
  /**
   * Stores a blob prepared elsewhere (a chunk worker): its id and its loose
   * object file, as storage/loose-object.ts computes them. Writing an
   * existing blob is a no-op. Optional: without it, chunks are encoded in
   * the main thread and stored through writeBlob.
   */
  writeDeflatedBlob?(oid: string, deflated: Uint8Array): Promise<void>;
  readBlob(oid: string): Promise<Uint8Array>;
}
