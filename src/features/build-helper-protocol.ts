/**
 * Messages between fv build's main thread (build-helper.ts) and its helper
 * thread (build-helper-worker.ts). Every request carries an id and gets
 * exactly one reply with that id, except warm-parquet, which gets none.
 */

/** Where one object's content lies in a read reply's buffer; null when the main thread must read it itself. */
export type ObjectSlot = { start: number; length: number } | null;

export type HelperRequest =
  | { kind: 'read'; id: number; oids: string[] }
  | { kind: 'warm-parquet'; ipc: Uint8Array }
  | { kind: 'parquet'; id: number; ipc: Uint8Array; seconds: string[] };

export type HelperReply =
  /** The blobs' contents, each 8-byte aligned in `buffer` (Arrow views need the alignment). */
  | { kind: 'read'; id: number; buffer: ArrayBuffer; slots: ObjectSlot[] }
  /** The Parquet file, or null when it failed (the main thread then writes it itself, for the precise error). */
  | { kind: 'parquet'; id: number; bytes: Uint8Array | null };
