/**
 * Streaming import: a table written whole as a new version (a first import,
 * or a replace that changes the key) is written while its file is read, so
 * memory holds batches of rows, never the whole table.
 *
 * Rows are first taken to be in key order (as exports and most generated
 * files are): each batch is checked to continue strictly ascending (the same
 * check that finds a duplicate key) and cut into chunks at once. The first
 * row out of order stops that attempt; the file is read again, sorted
 * externally (table/external-sort.ts) and the runs' merge is written. An
 * unkeyed table keeps file order and is always written as it is read.
 *
 * Errors keep the in-memory import's precedence: an error in reading the
 * file (its structure, a bad cell) comes first, then the schema's checks,
 * then a missing key cell (the first in the first key column that has one),
 * then the duplicate key that sorts first. So errors found on the way are
 * kept, the rest of the file is still read, and the kept error is thrown at
 * the end. Reading restarts (fields come again) when a guessed CSV type
 * proves wrong; everything done under the guess is dropped. Chunks written
 * by a dropped attempt stay as unreferenced objects, removed with the
 * others if the import fails, else by `git gc`.
 */
import { FvError } from '../errors/FvError.js';
import type { BlobStore } from '../table/blob-store.js';
import type { ColumnStore } from '../table/column-store.js';
import { SortedRuns } from '../table/external-sort.js';
import type { SortedBatch } from '../table/external-sort.js';
import type { Input, RowBatch } from '../table/formats/read-columns.js';
import type { ChunkingParams, TableManifest, TableSchema } from '../table/manifest.js';
import { compareKeyValues, duplicateKeyError, firstNotAscending, firstNullKeyRows, keyText, nullKeyError } from '../table/sort.js';
import { chooseChunking, RowWidthSample, TableWriter } from '../table/table-writer.js';
import type { Field, Value } from '../table/types.js';

/** Rows per batch while the rows are taken to be in key order: what memory holds besides one chunk. */
const BATCH_ROWS = 65536;
/**
 * Rows per sorted run of the external sort. Memory holds up to two runs (one
 * sorted and held, the next being read), so this bounds an unsorted import:
 * 2M shuffled rows peaked at 736 MB with runs of 1M rows, 498 MB with 512K
 * (and took less CPU: 30.6 s against 35.4 s).
 */
const RUN_ROWS = 1 << 19;

/** A positive row count from the environment (tests force small batches and runs), else `fallback`. */
function rowsFromEnv(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export interface StreamedTable {
  manifest: TableManifest;
  schema: TableSchema;
}

export interface StreamOptions {
  /** The key columns (empty: unkeyed, rows kept in file order). */
  key: string[];
  time: string | null;
  /** Checks the schema once the file's fields are known. */
  validate: (schema: TableSchema) => void;
  /** The chunking to keep for these fields, or undefined to choose it from the rows' width. */
  chunking: (fields: Field[]) => ChunkingParams | undefined;
}

/** Reads `input` and writes it as a table, whole. */
export async function importStreamed(input: Input, blobs: BlobStore, opts: StreamOptions): Promise<StreamedTable> {
  const batchRows = rowsFromEnv('FV_IMPORT_BATCH_ROWS', BATCH_ROWS);
  const runRows = rowsFromEnv('FV_IMPORT_RUN_ROWS', RUN_ROWS);
  const first = await attempt(input, blobs, { ...opts, sortRows: false, batchRows });
  if (first !== 'unsorted') return first;
  const second = await attempt(input, blobs, { ...opts, sortRows: true, batchRows: runRows });
  if (second === 'unsorted') throw new Error('external sort gave rows out of key order');
  return second;
}

interface AttemptOptions extends StreamOptions {
  /** Sort the rows externally; otherwise they are expected in key order. */
  sortRows: boolean;
  batchRows: number;
}

/** One read of the input; 'unsorted' when rows expected in key order were not. */
async function attempt(input: Input, blobs: BlobStore, opts: AttemptOptions): Promise<StreamedTable | 'unsorted'> {
  let pass: Pass | null = null;
  try {
    for await (const event of input.read(opts.batchRows)) {
      if (event.kind === 'fields') {
        await pass?.close();
        pass = new Pass(event.fields, input, blobs, opts);
      } else if (!(await pass!.add(event.batch))) return 'unsorted';
    }
    return await pass!.finish(opts.batchRows);
  } finally {
    await pass?.close();
  }
}

/** The key of row r, boxed: for the few comparisons across batches. */
function keyValues(store: ColumnStore, keyIdx: number[], r: number): Value[] {
  return keyIdx.map((c) => store.get(c, r));
}

/** The rows of the input under one set of fields. */
class Pass {
  private readonly schema: TableSchema;
  private readonly keyIdx: number[];
  /** The schema's checks failed: the rest of the file is only read, for errors that come first. */
  private invalid: unknown = null;
  /** For each key column, the row naming the first missing key cell (file order). */
  private readonly nullKeys: (string | null)[];
  private duplicate: FvError | null = null;
  private readonly sample = new RowWidthSample();
  /** Batches waiting for the sample of row widths that chooses the chunk sizes. */
  private readonly waiting: SortedBatch[] = [];
  private writer: TableWriter | null = null;
  private readonly runs: SortedRuns | null;
  private readonly chunking: ChunkingParams | undefined;
  /** The last row checked for key order: its key and its label. */
  private last: { key: Value[]; label: string } | null = null;

  constructor(
    private readonly fields: Field[],
    private readonly input: Input,
    private readonly blobs: BlobStore,
    opts: AttemptOptions,
  ) {
    this.schema = { fields, key: opts.key, time: opts.time };
    try {
      opts.validate(this.schema);
    } catch (e) {
      if (!(e instanceof FvError)) throw e;
      this.invalid = e;
    }
    this.keyIdx = this.invalid === null ? opts.key.map((k) => fields.findIndex((f) => f.name === k)) : [];
    this.nullKeys = this.keyIdx.map(() => null);
    this.chunking = opts.chunking(fields);
    this.runs = opts.sortRows && this.keyIdx.length > 0 ? new SortedRuns(fields, this.keyIdx) : null;
  }

  /** Takes a batch of rows in file order; false when they are found out of key order (and were expected in it). */
  async add(batch: RowBatch): Promise<boolean> {
    if (this.invalid !== null) return true;
    this.sample.add(batch.store);
    if (this.keyIdx.length === 0) {
      await this.write({ ...batch, order: null });
      return true;
    }
    firstNullKeyRows(batch.store, this.keyIdx).forEach((r, k) => {
      if (r >= 0) this.nullKeys[k] ??= this.input.label(batch.positions[r]!);
    });
    // A missing key cell is reported whatever else is found: only later ones are looked for.
    if (this.nullKeys.some((x) => x !== null)) return true;
    if (this.runs !== null) {
      this.runs.add(batch);
      return true;
    }
    if (!this.checkOrder({ ...batch, order: null })) return false;
    if (this.duplicate === null) await this.write({ ...batch, order: null });
    return true;
  }

  /** Throws the error found, or writes what is left and returns the table. */
  async finish(batchRows: number): Promise<StreamedTable> {
    if (this.invalid !== null) throw this.invalid;
    const k = this.nullKeys.findIndex((x) => x !== null);
    if (k >= 0) throw nullKeyError(this.fields, this.keyIdx[k]!, this.nullKeys[k]!);
    for await (const batch of this.runs?.sorted(batchRows) ?? []) {
      this.checkOrder(batch);
      if (this.duplicate !== null) break;
      await this.write(batch);
    }
    if (this.duplicate !== null) throw this.duplicate;
    const writer = await this.startWriter();
    return { manifest: await writer.finish(), schema: this.schema };
  }

  /** Waits for the writes in flight and removes any spilled runs. */
  async close(): Promise<void> {
    await this.writer?.abandon();
    this.runs?.close();
  }

  /**
   * Checks that rows continue strictly ascending by key, keeping the first
   * duplicate found; false at the first row below its predecessor.
   */
  private checkOrder(batch: SortedBatch): boolean {
    const { store, order, positions } = batch;
    if (store.rowCount === 0) return true;
    const row = (i: number): number => (order === null ? i : order[i]!);
    const label = (i: number): string => this.input.label(positions[row(i)]!);
    const seen = (i: number, previous: Value[], previousLabel: string): boolean => {
      const c = compareKeyValues(previous, keyValues(store, this.keyIdx, row(i)));
      if (c > 0) return false;
      if (c === 0) this.duplicate ??= duplicateKeyError(keyText(store, row(i), this.keyIdx), label(i), previousLabel);
      return true;
    };
    if (this.last !== null && !seen(0, this.last.key, this.last.label)) return false;
    for (let i = firstNotAscending(store, this.keyIdx, order); i >= 0; i = firstNotAscending(store, this.keyIdx, order, i + 1)) {
      if (!seen(i, keyValues(store, this.keyIdx, row(i - 1)), label(i - 1))) return false;
    }
    const lastRow = store.rowCount - 1;
    this.last = { key: keyValues(store, this.keyIdx, row(lastRow)), label: label(lastRow) };
    return true;
  }

  private async write(batch: SortedBatch): Promise<void> {
    if (this.writer === null) {
      this.waiting.push(batch);
      if (this.chunking === undefined && !this.sample.complete) return;
      await this.startWriter();
    } else await this.writer.add(batch.store, batch.order);
  }

  /** The writer, made once the chunk sizes can be chosen; batches that waited for it are written first. */
  private async startWriter(): Promise<TableWriter> {
    this.writer ??= new TableWriter(this.fields, this.schema, this.blobs, this.chunking ?? chooseChunking(this.sample.average()));
    for (const b of this.waiting.splice(0)) await this.writer.add(b.store, b.order);
    return this.writer;
  }
}
