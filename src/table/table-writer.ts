/**
 * Cuts a sorted table into content-defined chunks, encodes each as a
 * canonical Arrow IPC file, stores it as a blob and returns the manifest.
 *
 * Boundaries depend only on the rows (the hash of each row's key, or of the
 * whole row for unkeyed tables) and the table's chunking parameters, which
 * are fixed when the table is first written. So an append or a change
 * confined to a key range rewrites only the chunks it touches, and the same
 * rows always give the same chunks: identical data is stored once.
 */
import { openChunkEncoder } from './chunk-encoder.js';
import type { ChunkEncoder } from './chunk-encoder.js';
import type { BlobStore } from './blob-store.js';
import type { ChunkRef, ChunkingParams, TableManifest, TableSchema } from './manifest.js';
import { contentHash, MANIFEST_FORMAT } from './manifest.js';
import { ColumnStore } from './column-store.js';
import { gatheredRowHashes0 } from './gathered-rows.js';
import { RowDigest, RowEncoder } from './row-hash.js';
import type { Field } from './types.js';
import { typeToString } from './types.js';

/** Chunks being encoded (in a worker) or written at a time. */
const MAX_PENDING_CHUNKS = 16;

/**
 * Aim for chunks of about this many bytes of row data before compression.
 * Every chunk costs a fixed amount besides its bytes (a manifest entry of
 * ~1.5 KB with its statistics, a git object, a thread hand-off to deflate,
 * per-chunk gather and encoding set-up), so small chunks made every command
 * pay per chunk: at 64 KiB a 1M-row table had 3010 chunks and a 4.5 MB
 * manifest. At 256 KiB (751 chunks) the import of the bench's v1 took
 * 3.32 / 3.43 s instead of 4.12 / 3.94 s, its commit 0.39 / 0.38 s instead
 * of 0.57 / 0.46 s, and the object store 52 MB instead of 61 MB
 * (docs/PERFORMANCE.md). Changing it affects only tables written from now
 * on: a table keeps the chunking it was first written with.
 */
const TARGET_CHUNK_BYTES = 256 * 1024;

/** Chooses chunking parameters for a new table from the width of its rows. */
export function chooseChunking(avgRowBytes: number): ChunkingParams {
  const rows = Math.max(64, Math.min(8192, TARGET_CHUNK_BYTES / Math.max(1, avgRowBytes)));
  // A power of two near `rows`; the average chunk is min_rows + 2^mask_bits.
  const bits = Math.max(4, Math.round(Math.log2(rows * 0.75)));
  const random = 2 ** bits;
  return { min_rows: Math.max(1, Math.round(random / 3)), mask_bits: bits, max_rows: random * 4 };
}

/**
 * Where chunks end, fed one row hash at a time: a boundary depends only on
 * the row's hash and the rows since the last boundary, so feeding a table in
 * any number of pieces cuts exactly where cutting it whole does.
 */
class ChunkCutter {
  private readonly mask: number;
  /** Rows since the last boundary. */
  open = 0;

  constructor(private readonly p: ChunkingParams) {
    this.mask = p.mask_bits >= 32 ? 0xffffffff : (1 << p.mask_bits) - 1;
  }

  /** True when the chunk ends after the row with this key hash. */
  endsAfter(hash: number): boolean {
    const size = ++this.open;
    if (size >= this.p.max_rows || (size >= this.p.min_rows && (hash & this.mask) === 0)) {
      this.open = 0;
      return true;
    }
    return false;
  }
}

/** Chunk boundaries (exclusive end offsets) for rows whose key hashes are given. */
export function chunkBoundaries(keyHashes: Uint32Array, p: ChunkingParams): number[] {
  const cutter = new ChunkCutter(p);
  const ends: number[] = [];
  for (let r = 0; r < keyHashes.length; r++) if (cutter.endsAfter(keyHashes[r]!)) ends.push(r + 1);
  if (cutter.open > 0) ends.push(keyHashes.length);
  return ends;
}

/**
 * Lane 0 of the hash of each row's columns `cols` (the key, or the whole row
 * when unkeyed), in `order`. The columns are gathered `blockRows` rows at a
 * time: the table's max_rows, so a block is never a bigger copy (nor closer
 * to gather's 2 GiB limit for text) than gathering a chunk is.
 */
function boundaryHashes(store: ColumnStore, order: Uint32Array | null, cols: number[], enc: RowEncoder, blockRows: number): Uint32Array {
  const hashes = new Uint32Array(store.rowCount);
  const types = cols.map((c) => store.fields[c]!.type);
  for (let start = 0; start < store.rowCount; start += blockRows) {
    const end = Math.min(store.rowCount, start + blockRows);
    const key = cols.map((c) => store.columns[c]!.gather(order, start, end));
    gatheredRowHashes0(key, types, end - start, enc, hashes, start);
  }
  return hashes;
}

/** Rows whose average encoded width chooses a new table's chunk sizes: a sample is enough. */
const WIDTH_SAMPLE_ROWS = 1000;

/** The average encoded width of a table's first rows as stored (file order), fed in any number of pieces. */
export class RowWidthSample {
  private rows = 0;
  private bytes = 0;
  private readonly enc = new RowEncoder();

  get complete(): boolean {
    return this.rows >= WIDTH_SAMPLE_ROWS;
  }

  add(store: ColumnStore): void {
    const all = store.fields.map((_, i) => i);
    for (let i = 0; i < store.rowCount && !this.complete; i++, this.rows++) {
      store.encodeRow(i, all, this.enc);
      this.bytes += this.enc.length;
    }
  }

  average(): number {
    return this.rows === 0 ? 64 : this.bytes / this.rows;
  }
}

/**
 * Writes a table's rows, given in stored order in any number of pieces, as
 * chunks, and builds its manifest. Only the rows after the last chunk
 * boundary are held between pieces (copied out of their piece), so a table
 * streamed through here costs one piece of memory, not the whole table; the
 * chunks, digests and manifest are exactly those of writing it whole.
 */
export class TableWriter {
  private readonly keyIdx: number[];
  private readonly hashCols: number[];
  private readonly cutter: ChunkCutter;
  /** Encodes boxed key values (binary, decimal) for boundary hashes. */
  private readonly enc = new RowEncoder();
  /** Rows of the chunk being filled, carried over from earlier pieces. */
  private carried: ColumnStore;
  private readonly total = new RowDigest();
  private readonly chunks: ChunkRef[] = [];
  private readonly pending: Promise<void>[] = [];
  /** Opened on the first chunk: a table with no rows starts no threads. */
  private encoder: ChunkEncoder | null = null;
  /** Chunks handed to the encoder; chunk i's entry lands in chunks[i] when stored, so the order never depends on timing. */
  private emitted = 0;
  private rows = 0;

  /**
   * `fields` are the stored rows' fields (the manifest lists them), `schema`
   * the table's schema (its content hash is taken over it).
   */
  constructor(
    private readonly fields: Field[],
    private readonly schema: TableSchema,
    private readonly blobs: BlobStore,
    private readonly params: ChunkingParams,
  ) {
    this.keyIdx = schema.key.map((k) => fields.findIndex((f) => f.name === k));
    this.hashCols = this.keyIdx.length > 0 ? this.keyIdx : fields.map((_, i) => i);
    this.cutter = new ChunkCutter(params);
    this.carried = new ColumnStore(fields);
  }

  /** Adds the rows of `store` in `order` (null: as stored); they follow every row added before. */
  async add(store: ColumnStore, order: Uint32Array | null): Promise<void> {
    const hashes = boundaryHashes(store, order, this.hashCols, this.enc, Math.max(1, this.params.max_rows));
    let start = 0;
    for (let r = 0; r < hashes.length; r++) {
      if (!this.cutter.endsAfter(hashes[r]!)) continue;
      if (this.carried.rowCount === 0) await this.emit(store, order, start, r + 1);
      else {
        // The chunk began in an earlier piece: finish it in the carried rows.
        this.carry(store, order, start, r + 1);
        await this.emit(this.carried, null, 0, this.carried.rowCount);
        this.carried = new ColumnStore(this.fields);
      }
      start = r + 1;
    }
    this.carry(store, order, start, hashes.length);
  }

  /** Writes the last chunk, waits for every write and returns the table's manifest. On failure, call abandon(). */
  async finish(): Promise<TableManifest> {
    if (this.carried.rowCount > 0) await this.emit(this.carried, null, 0, this.carried.rowCount);
    await Promise.all(this.pending);
    await this.closeEncoder();
    const { schema, rows } = this;
    const digest = this.total.toHex();
    return {
      format: MANIFEST_FORMAT,
      fields: this.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })),
      key: schema.key,
      time: schema.time,
      rows,
      digest,
      content_hash: contentHash(schema, digest, rows),
      chunking: this.params,
      chunks: this.chunks,
    };
  }

  /**
   * Lets every write in flight finish (or clean up its temp file): called
   * before a failure is reported, so the caller can take back what was written.
   */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.pending);
    await this.closeEncoder();
  }

  private carry(store: ColumnStore, order: Uint32Array | null, start: number, end: number): void {
    if (start === end) return;
    const rows = new Uint32Array(end - start);
    for (let i = start; i < end; i++) rows[i - start] = order === null ? i : order[i]!;
    this.carried.appendStore(store, rows);
  }

  /** Encodes rows order[start..end) as one chunk and starts its write: the one place a chunk is encoded. */
  private async emit(store: ColumnStore, order: Uint32Array | null, start: number, end: number): Promise<void> {
    this.encoder ??= openChunkEncoder(this.blobs, this.keyIdx, 1);
    const i = this.emitted++;
    this.rows += end - start;
    // encode() takes its copy of the rows before it returns, so `store` may be dropped or replaced after this.
    const stored = this.encoder.encode(store, order, start, end).then(({ ref, digest }) => {
      this.chunks[i] = ref;
      this.total.addDigest(digest);
    });
    // Marked handled now: a chunk failing while an older one is awaited must not be an
    // unhandled rejection (that kills the process); it is still thrown when awaited.
    stored.catch(() => {});
    this.pending.push(stored);
    // A sliding window, not a batch barrier: waiting for all chunks left the
    // main thread idle behind the slowest one. Waiting for the oldest keeps
    // encoding going while the rest are encoded, deflated and written.
    if (this.pending.length >= MAX_PENDING_CHUNKS) await this.pending.shift();
  }

  private async closeEncoder(): Promise<void> {
    const encoder = this.encoder;
    this.encoder = null;
    await encoder?.close();
  }
}

/**
 * Writes the rows of `store` in `order` (null: as stored; keyed tables must
 * be given their key order) as chunks, and returns the table's manifest.
 * `chunking` is the table's existing parameters, or undefined to choose them.
 */
export async function writeTable(store: ColumnStore, order: Uint32Array | null, schema: TableSchema, blobs: BlobStore, chunking?: ChunkingParams): Promise<TableManifest> {
  const sample = new RowWidthSample();
  sample.add(store);
  const writer = new TableWriter(store.fields, schema, blobs, chunking ?? chooseChunking(sample.average()));
  try {
    await writer.add(store, order);
    return await writer.finish();
  } catch (e) {
    await writer.abandon();
    throw e;
  }
}
