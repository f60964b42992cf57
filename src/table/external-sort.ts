/**
 * External sort of a keyed table's rows, for an import whose file is not in
 * key order and may not fit in memory: each batch of rows (a run; its size
 * is chosen by the caller) is sorted by key and spilled to a private
 * temporary directory, and the runs are merged back in key order, a block
 * of each at a time. Memory holds at most two runs while the file is read
 * (the latest is held until the next arrives, so a file of one run is never
 * spilled), then one block per run.
 *
 * A run on disk is a sequence of blocks, each: two little-endian u32 (the
 * Arrow IPC length and the row count), the rows' canonical Arrow IPC file
 * (encodeArrowChunk), then each row's source position as a float64.
 *
 * Equal keys come out in file order (runs are in file order, and each run's
 * sort is stable), so a duplicate key is reported at its later row, naming
 * the earlier one, as the in-memory sort does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromIoError } from '../errors/FvError.js';
import { encodeArrowChunk } from './arrow/arrow-chunk.js';
import { decodeArrowIpc } from './arrow/arrow-codec.js';
import { ColumnStore } from './column-store.js';
import type { RowBatch } from './formats/read-columns.js';
import { compareKeyValues, keyOrder } from './sort.js';
import type { TableData } from './table-data.js';
import type { Field, Value } from './types.js';
import { makeTempDir } from '../storage/temp-dir.js';
import type { TempDir } from '../storage/temp-dir.js';

/** Rows per spilled block: what the merge holds of each run. */
const BLOCK_ROWS = 8192;

/** Rows in key order: `store`'s rows in `order` (null: as stored); positions are indexed by store row. */
export interface SortedBatch extends RowBatch {
  order: Uint32Array | null;
}

/** One block of a run read back: its rows as values, and their positions. */
interface Block {
  data: TableData;
  positions: Float64Array;
}

/** Reads a spilled run back block by block. */
class RunReader {
  private readonly fd: number;
  private readonly header = new Uint32Array(2);

  constructor(private readonly file: string) {
    this.fd = fs.openSync(file, 'r');
  }

  next(): Block | null {
    const head = new Uint8Array(this.header.buffer);
    if (fs.readSync(this.fd, head, 0, 8, null) < 8) return null;
    const [ipcLength, rows] = this.header as unknown as [number, number];
    const body = Buffer.allocUnsafe(ipcLength + rows * 8);
    if (fs.readSync(this.fd, body, 0, body.length, null) !== body.length) throw new Error(`${this.file}: run is truncated`);
    const positions = new Float64Array(rows);
    new Uint8Array(positions.buffer).set(body.subarray(ipcLength));
    return { data: decodeArrowIpc(body.subarray(0, ipcLength), this.file), positions };
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** A run's current block and the row of it next in key order. */
interface Head {
  run: number;
  reader: RunReader;
  block: Block;
  row: number;
  key: Value[];
}

export class SortedRuns {
  private dir: TempDir | null = null;
  private readonly files: string[] = [];
  /** The latest run, kept in memory until another follows: a table of one run is never spilled. */
  private held: SortedBatch | null = null;

  constructor(
    private readonly fields: Field[],
    private readonly keyIdx: number[],
  ) {}

  /** Sorts a batch whose key cells are all present into a run. */
  add(batch: RowBatch): void {
    if (this.held !== null) this.spill(this.held);
    this.held = { ...batch, order: keyOrder(batch.store, this.keyIdx) };
  }

  /** Every row added, in key order (equal keys in file order), in batches of about `batchRows` rows. */
  async *sorted(batchRows: number): AsyncGenerator<SortedBatch> {
    if (this.files.length === 0) {
      if (this.held !== null) yield this.held;
      return;
    }
    if (this.held !== null) this.spill(this.held);
    this.held = null;
    yield* this.merge(batchRows);
  }

  /** Removes the spilled runs. */
  close(): void {
    this.dir?.remove();
    this.dir = null;
  }

  private spill(run: SortedBatch): void {
    try {
      this.dir ??= makeTempDir('fv-sort-');
      const file = path.join(this.dir.path, `run-${this.files.length}`);
      this.writeRun(file, run);
      this.files.push(file);
    } catch (e) {
      throw fromIoError(e, 'spilling sorted rows to a temporary file');
    }
  }

  private writeRun(file: string, run: SortedBatch): void {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      const { store, order, positions } = run;
      const header = new Uint32Array(2);
      for (let start = 0; start < store.rowCount; start += BLOCK_ROWS) {
        const end = Math.min(store.rowCount, start + BLOCK_ROWS);
        const ipc = encodeArrowChunk(this.fields, store.columns.map((col) => col.gather(order, start, end)), end - start);
        const pos = new Float64Array(end - start);
        for (let i = start; i < end; i++) pos[i - start] = positions[order === null ? i : order[i]!]!;
        header[0] = ipc.length;
        header[1] = end - start;
        fs.writeSync(fd, new Uint8Array(header.buffer));
        fs.writeSync(fd, ipc);
        fs.writeSync(fd, new Uint8Array(pos.buffer));
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  private async *merge(batchRows: number): AsyncGenerator<SortedBatch> {
    const heap = new HeadHeap();
    const readers = this.files.map((f) => new RunReader(f));
    try {
      readers.forEach((reader, run) => {
        const block = reader.next();
        if (block !== null) heap.push(this.head(run, reader, block, 0));
      });
      let store = new ColumnStore(this.fields);
      let positions: number[] = [];
      const row: Value[] = new Array(this.fields.length);
      while (heap.size > 0) {
        const h = heap.top();
        const cols = h.block.data.columns;
        for (let c = 0; c < row.length; c++) row[c] = cols[c]![h.row]!;
        store.pushRow(row);
        positions.push(h.block.positions[h.row]!);
        if (store.rowCount >= batchRows) {
          yield { store, order: null, positions };
          store = new ColumnStore(this.fields);
          positions = [];
        }
        if (++h.row < h.block.data.rowCount) {
          h.key = this.keyAt(h.block, h.row);
          heap.replaceTop(h);
          continue;
        }
        const block = h.reader.next();
        if (block === null) heap.pop();
        else heap.replaceTop(this.head(h.run, h.reader, block, 0));
      }
      yield { store, order: null, positions };
    } finally {
      for (const r of readers) r.close();
    }
  }

  private head(run: number, reader: RunReader, block: Block, row: number): Head {
    return { run, reader, block, row, key: this.keyAt(block, row) };
  }

  private keyAt(block: Block, row: number): Value[] {
    return this.keyIdx.map((c) => block.data.columns[c]![row]!);
  }
}

/** Key order, then run order: equal keys leave in file order. */
function before(a: Head, b: Head): boolean {
  const c = compareKeyValues(a.key, b.key);
  return c !== 0 ? c < 0 : a.run < b.run;
}

/** A binary min-heap of run heads. */
class HeadHeap {
  private readonly items: Head[] = [];

  get size(): number {
    return this.items.length;
  }

  top(): Head {
    return this.items[0]!;
  }

  push(h: Head): void {
    const a = this.items;
    let i = a.push(h) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) this.replaceTop(last);
  }

  /** Puts `h` in the top's place and sifts it down. */
  replaceTop(h: Head): void {
    const a = this.items;
    a[0] = h;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
