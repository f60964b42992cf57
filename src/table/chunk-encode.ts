/**
 * The work for one chunk of a table being written: its row digest, its
 * manifest entry (statistics, key range) and its canonical Arrow IPC bytes.
 * Chunks are independent of each other once the rows are in order, so this
 * is the unit that is spread over cores (chunk-encoder.ts): the main thread
 * gathers the chunk's rows out of the whole store into fresh typed arrays
 * (gatherChunk), and everything after that (encodeGatheredChunk) reads only
 * those arrays, so it runs the same in a worker thread or in-thread.
 */
import { encodeArrowChunk } from './arrow/arrow-chunk.js';
import type { GatheredColumn } from './arrow/arrow-chunk.js';
import type { ColumnStore } from './column-store.js';
import { gatheredExtremes, gatheredValue } from './gathered-column.js';
import { gatheredRowDigest } from './gathered-rows.js';
import type { ChunkRef, ColumnStats } from './manifest.js';
import type { RowDigest, RowEncoder } from './row-hash.js';
import type { Field } from './types.js';
import { formatValue } from './values.js';

/** A chunk: its rows' columns, gathered in chunk order. The arrays are the chunk's own (never views of the store), so they can be transferred to a worker. */
export interface GatheredChunk {
  fields: Field[];
  columns: GatheredColumn[];
  rows: number;
}

export interface EncodedChunk {
  bytes: Uint8Array;
  /** The manifest entry; `oid` is left empty for whoever stores `bytes`. */
  ref: ChunkRef;
  digest: RowDigest;
}

/** Rows order[start..end) of `store` (start..end when order is null), gathered. */
export function gatherChunk(store: ColumnStore, order: Uint32Array | null, start: number, end: number): GatheredChunk {
  return { fields: store.fields, columns: store.columns.map((col) => col.gather(order, start, end)), rows: end - start };
}

/** A column's manifest statistics. */
function columnStats(chunk: GatheredChunk, c: number): ColumnStats {
  const g = chunk.columns[c]!;
  const t = chunk.fields[c]!.type;
  const { nulls, minRow, maxRow } = gatheredExtremes(g, t, chunk.rows);
  return { nulls, min: minRow < 0 ? null : formatValue(gatheredValue(g, t, minRow), t), max: maxRow < 0 ? null : formatValue(gatheredValue(g, t, maxRow), t) };
}

/** Encodes a gathered chunk; `keyIdx` are the key columns (none: an unkeyed table). */
export function encodeGatheredChunk(chunk: GatheredChunk, keyIdx: readonly number[], enc: RowEncoder): EncodedChunk {
  const { fields, columns, rows } = chunk;
  const digest = gatheredRowDigest(columns, fields.map((f) => f.type), rows, enc);
  const bytes = encodeArrowChunk(fields, columns, rows);
  const ref: ChunkRef = { oid: '', rows, bytes: bytes.length, digest: digest.toHex(), columns: fields.map((_, c) => columnStats(chunk, c)) };
  if (keyIdx.length > 0) {
    const key = (row: number) => keyIdx.map((i) => formatValue(gatheredValue(columns[i]!, fields[i]!.type, row), fields[i]!.type));
    ref.key_min = key(0);
    ref.key_max = key(rows - 1);
  }
  return { bytes, ref, digest };
}
