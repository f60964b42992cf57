/**
 * The work for one chunk of a table being written: its row digest, its
 * manifest entry (statistics, key range) and its canonical Arrow IPC bytes.
 * Chunks are independent of each other once the rows are in order, so this
 * is the unit that can be spread over cores; the chunk loop (boundaries,
 * write window, manifest) stays in table-writer.ts.
 */
import { encodeArrowChunk } from './arrow/arrow-chunk.js';
import type { ChunkRef, ColumnStats } from './manifest.js';
import type { ColumnStore } from './column-store.js';
import { murmur3x86_128, RowDigest } from './row-hash.js';
import type { RowEncoder } from './row-hash.js';
import { formatValue } from './values.js';

/** A column's manifest statistics over rows order[start..end), read from the typed column. */
function columnStats(store: ColumnStore, c: number, order: Uint32Array | null, start: number, end: number): ColumnStats {
  const t = store.fields[c]!.type;
  const { nulls, minRow, maxRow } = store.columns[c]!.extremes(order, start, end);
  return { nulls, min: minRow < 0 ? null : formatValue(store.get(c, minRow), t), max: maxRow < 0 ? null : formatValue(store.get(c, maxRow), t) };
}

/** Sum of the row hashes of rows order[start..end), hashed straight from the typed columns. */
function chunkDigest(store: ColumnStore, order: Uint32Array | null, start: number, end: number, enc: RowEncoder): RowDigest {
  const all = store.fields.map((_, i) => i);
  const h = new Uint32Array(4);
  const digest = new RowDigest();
  for (let i = start; i < end; i++) {
    store.encodeRow(order === null ? i : order[i]!, all, enc);
    murmur3x86_128(enc.bytes(), h, 0);
    digest.add(h, 0);
  }
  return digest;
}

/** Encodes rows order[start..end) of `store` as one chunk; `ref.oid` is left empty for the writer. */
export function encodeChunk(store: ColumnStore, order: Uint32Array | null, start: number, end: number, keyIdx: number[], enc: RowEncoder): { bytes: Uint8Array; ref: ChunkRef; digest: RowDigest } {
  const types = store.fields.map((f) => f.type);
  const digest = chunkDigest(store, order, start, end, enc);
  const bytes = encodeArrowChunk(store.fields, store.columns.map((col) => col.gather(order, start, end)), end - start);
  const ref: ChunkRef = { oid: '', rows: end - start, bytes: bytes.length, digest: digest.toHex(), columns: types.map((_, c) => columnStats(store, c, order, start, end)) };
  if (keyIdx.length > 0) {
    const first = order === null ? start : order[start]!;
    const last = order === null ? end - 1 : order[end - 1]!;
    ref.key_min = keyIdx.map((i) => formatValue(store.get(i, first), types[i]!));
    ref.key_max = keyIdx.map((i) => formatValue(store.get(i, last), types[i]!));
  }
  return { bytes, ref, digest };
}
