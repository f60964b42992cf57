/**
 * Streaming import: a replace is written while its file is read, so memory
 * holds batches of rows, never the whole table. A table written whole (a
 * first import, a replace that changes the schema or key) goes to a
 * TableWriter; the next version of a keyed table under the same schema goes
 * to a PatchBuilder (table/patch/patch-builder.ts), which merge-joins the
 * rows with the current version's chunks. Should the patch grow past its
 * limit, the attempt stops and the file is read again and written whole.
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
import type { PatchBuilder } from '../table/patch/patch-builder.js';
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
  /**
   * The builder of a patch over the table's current version, when the rows
   * under these fields may be written as one (table/patch/patch-builder.ts);
   * a patch grown past its limit is dropped and the file read again, whole.
   */
  patch?: (schema: TableSchema) => PatchBuilder | null;
}

/** Reads `input` and writes it as a table: whole, or as a patch when `opts.patch` gives one that stays small. */
export async function importStreamed(input: Input, blobs: BlobStore, opts: StreamOptions): Promise<StreamedTable> {
  const batchRows = rowsFromEnv('FV_IMPORT_BATCH_ROWS', BATCH_ROWS);
  const runRows = rowsFromEnv('FV_IMPORT_RUN_ROWS', RUN_ROWS);
  let sortRows = false;
  let patch = opts.patch;
  for (;;) {
    const result = await attempt(input, blobs, { ...opts, patch, sortRows, batchRows: sortRows ? runRows : batchRows });
    if (result === 'unsorted') {
      if (sortRows) throw new Error('external sort gave rows out of key order');
      sortRows = true;
    } else if (result === 'too-big') patch = undefined;
    else return result;
  }
}

/** Why an attempt stopped short: rows expected in key order were not, or the patch grew past its limit. */
type Restart = 'unsorted' | 'too-big';

interface AttemptOptions extends StreamOptions {
  /** Sort the rows externally; otherwise they are expected in key order. */
  sortRows: boolean;
  batchRows: number;
}

/** One read of the input, or why it stopped short. */
async function attempt(input: Input, blobs: BlobStore, opts: AttemptOptions): Promise<StreamedTable | Restart> {
  let pass: Pass | null = null;
  try {
    for await (const event of input.read(opts.batchRows)) {
      if (event.kind === 'fields') {
        await pass?.close();
        pass = new Pass(event.fields, input, blobs, opts);
      } else {
        const stop = await pass!.add(event.batch);
        if (stop !== null) return stop;
      }
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
  /** Set when the rows are written as a patch instead. */
  private readonly patch: PatchBuilder | null;
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
    this.patch = this.invalid === null ? (opts.patch?.(this.schema) ?? null) : null;
  }

  /** Takes a batch of rows in file order; non-null when the attempt must stop and start again. */
  async add(batch: RowBatch): Promise<Restart | null> {
    if (this.invalid !== null) return null;
    this.sample.add(batch.store);
    if (this.keyIdx.length === 0) return this.write({ ...batch, order: null });
    firstNullKeyRows(batch.store, this.keyIdx).forEach((r, k) => {
      if (r >= 0) this.nullKeys[k] ??= this.input.label(batch.positions[r]!);
    });
    // A missing key cell is reported whatever else is found: only later ones are looked for.
    if (this.nullKeys.some((x) => x !== null)) return null;
    if (this.runs !== null) {
      this.runs.add(batch);
      return null;
    }
    if (!this.checkOrder({ ...batch, order: null })) return 'unsorted';
    return this.duplicate === null ? this.write({ ...batch, order: null }) : null;
  }

  /** Throws the error found, or writes what is left and returns the table (or 'too-big' for a patch past its limit). */
  async finish(batchRows: number): Promise<StreamedTable | 'too-big'> {
    if (this.invalid !== null) throw this.invalid;
    const k = this.nullKeys.findIndex((x) => x !== null);
    if (k >= 0) throw nullKeyError(this.fields, this.keyIdx[k]!, this.nullKeys[k]!);
    for await (const batch of this.runs?.sorted(batchRows) ?? []) {
      this.checkOrder(batch);
      if (this.duplicate !== null) break;
      if ((await this.write(batch)) !== null) return 'too-big';
    }
    if (this.duplicate !== null) throw this.duplicate;
    if (this.patch !== null) {
      const manifest = await this.patch.finish();
      return manifest === null ? 'too-big' : { manifest, schema: this.schema };
    }
    const writer = await this.startWriter();
    return { manifest: await writer.finish(), schema: this.schema };
  }

  /** Waits for the writes in flight and removes any spilled runs. */
  async close(): Promise<void> {
    await this.writer?.abandon();
    await this.patch?.abandon();
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

  /** Writes rows in key order; 'too-big' when they made the patch grow past its limit. */
  private async write(batch: SortedBatch): Promise<'too-big' | null> {
    if (this.patch !== null) return (await this.patch.add(batch)) ? null : 'too-big';
    if (this.writer === null) {
      this.waiting.push(batch);
      if (this.chunking === undefined && !this.sample.complete) return null;
      await this.startWriter();
    } else await this.writer.add(batch.store, batch.order);
    return null;
  }

  /** The writer, made once the chunk sizes can be chosen; batches that waited for it are written first. */
  private async startWriter(): Promise<TableWriter> {
    this.writer ??= new TableWriter(this.fields, this.schema, this.blobs, this.chunking ?? chooseChunking(this.sample.average()));
    for (const b of this.waiting.splice(0)) await this.writer.add(b.store, b.order);
    return this.writer;
  }
}
