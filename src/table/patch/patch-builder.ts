/**
 * The next version of a keyed table as a patch over its base chunks
 * (docs/FORMAT.md section 9), decided while the new rows stream in, in key
 * order, batch by batch: memory holds a batch, the new rows of the base
 * chunks being compared, and the patch itself, which is bounded by the
 * patch limit. Past the limit the builder gives up and the caller writes
 * the table whole.
 *
 * It decides exactly as patch-writer.ts's tryPatch does over a whole table
 * (the same manifests, byte for byte): the new rows falling in a base
 * chunk's key range (after the previous chunk's last key, up to its own)
 * that are its row count and sum to its digest are that chunk unchanged;
 * any other chunk is read and merge-joined with them. A key only in the new
 * rows is an insert, a key only in the chunk a delete, and a key in both an
 * update when the rows' hashes differ. Base rows are compared on their typed
 * columns (base-columns.ts) and hashed only where a key matches.
 */
import type { GatheredColumn } from '../arrow/arrow-chunk.js';
import type { BlobStore } from '../blob-store.js';
import { ColumnStore } from '../column-store.js';
import type { SortedBatch } from '../external-sort.js';
import { gatheredValue } from '../gathered-column.js';
import { encodeGatheredCell, gatheredRowHashes } from '../gathered-rows.js';
import type { ChunkingParams, ChunkRef, ColumnStats, TableManifest, TableSchema } from '../manifest.js';
import { murmur3x86_128, RowDigest, RowEncoder } from '../row-hash.js';
import type { Field, FvType, Value } from '../types.js';
import { compareValues, formatValue, parseValueAs } from '../values.js';
import { baseColumns, compareGatheredKeys } from './base-columns.js';
import { patchBase, patchLimit, writePatch } from './patch-writer.js';

/** Changed base chunks read ahead of the one being compared, so reading overlaps comparing. */
const READ_AHEAD = 8;

/** Encodes the binary and decimal cells of new rows for hashing (the typed kinds need no encoder). */
const ROW_ENCODER = new RowEncoder();

/** New rows of a batch in key order, with what the merge-join reads of them. */
class SortedRows {
  /** Row hashes in key order, 4 lanes a row. */
  readonly hashes: Uint32Array;
  /** Every column in key order. */
  readonly columns: GatheredColumn[];
  /** The key columns in key order. */
  readonly keys: GatheredColumn[];

  constructor(
    readonly batch: SortedBatch,
    keyIdx: number[],
  ) {
    const { store, order } = batch;
    this.columns = store.columns.map((col) => col.gather(order, 0, store.rowCount));
    // Hashed column by column from the gathered rows: the same hashes as row by row, at about half the cost.
    this.hashes = gatheredRowHashes(this.columns, store.fields.map((f) => f.type), store.rowCount, ROW_ENCODER);
    this.keys = keyIdx.map((c) => this.columns[c]!);
  }

  /** The store row of the i-th row in key order. */
  row(i: number): number {
    return this.batch.order === null ? i : this.batch.order[i]!;
  }
}

/** New rows i in [from, to) of one batch. */
interface Segment {
  rows: SortedRows;
  from: number;
  to: number;
}

/** A changed base chunk waiting to be merge-joined with its new rows; its blob is being read. */
interface ChangedChunk {
  chunk: ChunkRef;
  segments: Segment[];
  bytes: Promise<Uint8Array>;
}

/**
 * The least and greatest value of a column over all new rows, as
 * Column.extremes over the whole file gives them: on ties (0 and -0) the
 * row first in the file, whatever order batches come in.
 */
class ColumnExtremes {
  nulls = 0;
  private min: { value: Value; position: number } | null = null;
  private max: { value: Value; position: number } | null = null;

  constructor(private readonly type: FvType) {}

  add(store: ColumnStore, c: number, positions: ArrayLike<number>): void {
    const col = store.columns[c]!;
    let minRow = -1;
    let maxRow = -1;
    for (let r = 0; r < store.rowCount; r++) {
      if (col.isNull(r)) {
        this.nulls++;
        continue;
      }
      if (minRow < 0) {
        minRow = maxRow = r;
        continue;
      }
      const lo = col.compare(r, minRow);
      if (lo < 0 || (lo === 0 && positions[r]! < positions[minRow]!)) minRow = r;
      const hi = col.compare(r, maxRow);
      if (hi > 0 || (hi === 0 && positions[r]! < positions[maxRow]!)) maxRow = r;
    }
    if (minRow < 0) return;
    const better = (best: { value: Value; position: number } | null, value: Value, position: number, sign: 1 | -1) => {
      if (best === null) return true;
      const c = sign * compareValues(value, best.value);
      return c < 0 || (c === 0 && position < best.position);
    };
    const lo = store.get(c, minRow);
    if (better(this.min, lo, positions[minRow]!, 1)) this.min = { value: lo, position: positions[minRow]! };
    const hi = store.get(c, maxRow);
    if (better(this.max, hi, positions[maxRow]!, -1)) this.max = { value: hi, position: positions[maxRow]! };
  }

  stats(): ColumnStats {
    const text = (x: { value: Value } | null): string | null => (x === null ? null : formatValue(x.value, this.type));
    return { nulls: this.nulls, min: text(this.min), max: text(this.max) };
  }
}

/** Whether two cells of the same field's gathered columns surely have the same row encoding (false: perhaps not). */
function encodeAlike(x: GatheredColumn, i: number, y: GatheredColumn, j: number): boolean {
  switch (x.kind) {
    case 'number': {
      const yv = y as typeof x;
      const p = x.valid === null || x.valid[i] !== 0;
      if (p !== (yv.valid === null || yv.valid[j] !== 0)) return false;
      if (!p) return true;
      const u = x.values[i]!, v = yv.values[j]!;
      // Every NaN encodes as the one canonical NaN; 0 and -0 encode differently.
      return u === v ? u !== 0 || 1 / u === 1 / v : u !== u && v !== v;
    }
    case 'int64': {
      const yv = y as typeof x;
      const p = x.valid === null || x.valid[i] !== 0;
      if (p !== (yv.valid === null || yv.valid[j] !== 0)) return false;
      return !p || (x.words[2 * i] === yv.words[2 * j] && x.words[2 * i + 1] === yv.words[2 * j + 1]);
    }
    case 'bool':
      return x.values[i] === (y as typeof x).values[j];
    case 'utf8': {
      const yv = y as typeof x;
      const p = x.valid === null || x.valid[i] !== 0;
      if (p !== (yv.valid === null || yv.valid[j] !== 0)) return false;
      if (!p) return true;
      const a0 = x.offsets[i]!, n = x.offsets[i + 1]! - a0, b0 = yv.offsets[j]!;
      if (yv.offsets[j + 1]! - b0 !== n) return false;
      for (let k = 0; k < n; k++) if (x.bytes[a0 + k] !== yv.bytes[b0 + k]) return false;
      return true;
    }
    case 'values':
      return false;
  }
}

export class PatchBuilder {
  private readonly keyIdx: number[];
  private readonly keyTypes: FvType[];
  private readonly types: FvType[];
  private readonly chunks: ChunkRef[];
  /** The base chunk whose key range the next new rows are matched against (chunks.length: past the last). */
  private next = 0;
  /** The current chunk's last key, as gathered one-row columns. */
  private keyMax: GatheredColumn[] | null = null;
  /** New rows in the current chunk's key range so far. */
  private segments: Segment[] = [];
  private rangeRows = 0;
  private rangeDigest = new RowDigest();
  private readonly changed: ChangedChunk[] = [];
  private readonly total = new RowDigest();
  private rows = 0;
  private readonly updates: ColumnStore;
  private readonly inserts: ColumnStore;
  private readonly deletes: ColumnStore;
  private readonly extremes: ColumnExtremes[];
  private readonly enc = new RowEncoder();
  private readonly hash = new Uint32Array(4);

  private constructor(
    private readonly fields: Field[],
    private readonly schema: TableSchema,
    private readonly blobs: BlobStore,
    private readonly previous: TableManifest,
    private readonly chunking: ChunkingParams,
    private readonly limit: number,
  ) {
    this.keyIdx = schema.key.map((k) => fields.findIndex((f) => f.name === k));
    this.types = fields.map((f) => f.type);
    this.keyTypes = this.keyIdx.map((c) => this.types[c]!);
    this.chunks = previous.chunks;
    this.updates = new ColumnStore(fields);
    this.inserts = new ColumnStore(fields);
    this.deletes = new ColumnStore(this.keyIdx.map((c) => fields[c]!));
    this.extremes = this.types.map((t) => new ColumnExtremes(t));
    this.keyMax = this.chunkKeyMax();
  }

  /**
   * A builder for a version with these fields over `previous`, or null when
   * it must be written whole (schema or key changed, base too small).
   */
  static over(fields: Field[], schema: TableSchema, blobs: BlobStore, previous: TableManifest | null, chunking: ChunkingParams | undefined): PatchBuilder | null {
    const base = patchBase(fields, schema, previous, chunking);
    const limit = base === null ? -1 : patchLimit(base);
    return limit < 0 ? null : new PatchBuilder(fields, schema, blobs, base!, chunking!, limit);
  }

  private get size(): number {
    return this.updates.rowCount + this.inserts.rowCount + this.deletes.rowCount;
  }

  /** Takes the next rows in key order (after all earlier ones); false once the patch has grown past its limit. */
  async add(batch: SortedBatch): Promise<boolean> {
    const n = batch.store.rowCount;
    if (n === 0) return true;
    const rows = new SortedRows(batch, this.keyIdx);
    for (let i = 0; i < n; i++) this.total.add(rows.hashes, i * 4);
    this.rows += n;
    this.extremes.forEach((x, c) => x.add(batch.store, c, batch.positions));
    let i = 0;
    while (i < n && this.size <= this.limit) {
      if (this.keyMax === null) {
        // Past the last base chunk's key: the rest are inserts.
        for (; i < n; i++) this.inserts.appendStore(batch.store, [rows.row(i)]);
        break;
      }
      let j = i;
      while (j < n && compareGatheredKeys(rows.keys, j, this.keyMax, 0, this.keyTypes) <= 0) j++;
      if (j > i) {
        this.segments.push({ rows, from: i, to: j });
        this.rangeRows += j - i;
        for (let k = i; k < j; k++) this.rangeDigest.add(rows.hashes, k * 4);
      }
      if (j < n) await this.closeChunk();
      i = j;
    }
    return this.size <= this.limit;
  }

  /** The new version's manifest, or null when the patch is past its limit. */
  async finish(): Promise<TableManifest | null> {
    while (this.keyMax !== null && this.size <= this.limit) await this.closeChunk();
    await this.drain(0);
    if (this.size > this.limit) return null;
    const parts = { updates: this.updates, inserts: this.inserts, deletes: this.deletes, columns: this.extremes.map((x) => x.stats()) };
    return writePatch(this.schema, this.rows, this.total.toHex(), this.previous, this.chunking, parts, this.blobs);
  }

  /** Waits for the base chunk reads in flight (the patch is dropped). */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.changed.map((c) => c.bytes));
    this.changed.length = 0;
  }

  /** The last key of the base chunk `next`, or null past the last chunk. */
  private chunkKeyMax(): GatheredColumn[] | null {
    const c = this.chunks[this.next];
    if (c === undefined) return null;
    const keyFields = this.keyIdx.map((k) => this.fields[k]!);
    const one = new ColumnStore(keyFields);
    one.pushRow(c.key_max!.map((text, k) => parseValueAs(text, this.keyTypes[k]!)));
    return one.columns.map((col) => col.gather(null, 0, 1));
  }

  /** The current chunk's key range has all its new rows: compare it if they are not exactly its rows, and move to the next. */
  private async closeChunk(): Promise<void> {
    const chunk = this.chunks[this.next]!;
    if (this.rangeRows !== chunk.rows || this.rangeDigest.toHex() !== chunk.digest) {
      const bytes = this.blobs.readBlob(chunk.oid);
      bytes.catch(() => {}); // awaited in order by drain; marked handled so an early failure is not an unhandled rejection
      this.changed.push({ chunk, segments: this.segments, bytes });
    }
    this.segments = [];
    this.rangeRows = 0;
    this.rangeDigest = new RowDigest();
    this.next++;
    this.keyMax = this.chunkKeyMax();
    // Inserts past the last chunk come after every chunk's changes: compare them all first.
    await this.drain(this.keyMax === null ? 0 : READ_AHEAD);
  }

  /** Compares changed chunks, in order, until at most `keep` are left reading (or the patch is past its limit). */
  private async drain(keep: number): Promise<void> {
    while (this.changed.length > keep && this.size <= this.limit) await this.compare(this.changed.shift()!);
  }

  /** Merge-joins a changed base chunk with the new rows of its key range. */
  private async compare({ chunk, segments, bytes }: ChangedChunk): Promise<void> {
    const base = await baseColumns(await bytes, this.fields, chunk);
    const baseKeys = this.keyIdx.map((c) => base[c]!);
    let b = 0;
    for (const { rows, from, to } of segments) {
      for (let a = from; a < to; ) {
        const cmp = b >= chunk.rows ? -1 : compareGatheredKeys(rows.keys, a, baseKeys, b, this.keyTypes);
        if (cmp > 0) this.deleteBaseRow(baseKeys, b++);
        else {
          if (cmp < 0) this.inserts.appendStore(rows.batch.store, [rows.row(a)]);
          else if (!this.sameRow(rows, a, base, b++)) this.updates.appendStore(rows.batch.store, [rows.row(a)]);
          a++;
        }
      }
    }
    while (b < chunk.rows) this.deleteBaseRow(baseKeys, b++);
  }

  private deleteBaseRow(baseKeys: GatheredColumn[], b: number): void {
    this.deletes.pushRow(baseKeys.map((g, k) => gatheredValue(g, this.keyTypes[k]!, b)));
  }

  /**
   * Whether new row a hashes as base row b does (the row hash of FORMAT.md
   * section 7). Cells that encode alike hash alike, so most rows are settled
   * on the typed cells; only a row whose cells differ is hashed from the base's columns.
   */
  private sameRow(rows: SortedRows, a: number, base: GatheredColumn[], b: number): boolean {
    let alike = true;
    for (let c = 0; c < base.length && alike; c++) alike = encodeAlike(rows.columns[c]!, a, base[c]!, b);
    if (alike) return true;
    this.enc.reset();
    for (let c = 0; c < base.length; c++) encodeGatheredCell(base[c]!, this.types[c]!, b, this.enc);
    murmur3x86_128(this.enc.bytes(), this.hash, 0);
    const h = rows.hashes;
    return h[a * 4] === this.hash[0] && h[a * 4 + 1] === this.hash[1] && h[a * 4 + 2] === this.hash[2] && h[a * 4 + 3] === this.hash[3];
  }
}
