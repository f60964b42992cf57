/**
 * Converts parsed CSV/TSV records into typed columns under given column
 * types, column by column through the column sinks (csv-sinks.ts), feeding
 * inference on the way while the types are a guess. Kept apart from the
 * reading flow (read-columns.ts) so the two can change independently.
 */
import { FvError } from '../../errors/FvError.js';
import { ColumnStore } from '../column-store.js';
import { convertText } from '../infer.js';
import type { TextInference } from '../infer.js';
import type { FvType } from '../types.js';
import { inferBatch, inferColumn } from './csv-infer.js';
import type { CsvBatch } from './csv-batch.js';
import { columnSink } from './csv-sinks.js';
import type { ColumnSink } from './csv-sinks.js';
import type { ReadResult } from './read-columns.js';

/** Prefixes a conversion error with the file, line and column it came from. */
export function typeError(e: unknown, shown: string, line: number, col: string): unknown {
  if (e instanceof FvError && e.code === 'TYPE_ERROR') return new FvError('TYPE_ERROR', `${shown}:${line}: column "${col}": ${e.message}`);
  return e;
}

/** Converts records into a ColumnStore under given column types. */
export class Conversion {
  store: ColumnStore;
  private sinks: ColumnSink[];
  private lines = new RowLines();
  /** A cell did not convert under a guessed type: the store is incomplete and will not be used. */
  contradicted = false;

  /**
   * `final`: the types are the file's own (given, or inferred from all of it),
   * so a cell that does not convert is the user's error, thrown at once.
   * Otherwise the failure only marks the guess wrong: the caller parses on
   * (an error in the file's structure further on is reported first, as when
   * inference read the whole file before any conversion) and converts again.
   *
   * `inference` (while the types are a guess): each column's inference (null:
   * its type is given), fed every cell added, also once contradicted.
   */
  constructor(
    private readonly header: string[],
    readonly types: FvType[],
    private readonly shown: string,
    private readonly final: boolean,
    private readonly inference: readonly (TextInference | null)[] = [],
  ) {
    this.store = new ColumnStore(header.map((name, c) => ({ name, type: types[c]! })));
    this.sinks = types.map((t, c) => columnSink(this.store.columns[c]!, t));
  }

  /** Converts a batch; `inferred`: its cells were fed to inference already (the rows the guess was made from). */
  add(batch: CsvBatch, inferred = false): void {
    if (this.contradicted) {
      if (!inferred) inferBatch(this.inference, batch, 0);
      return;
    }
    // Column by column: each sink runs one tight loop of one kind of cell.
    let badRow = -1;
    let badCol = -1;
    for (let c = 0; c < this.sinks.length; c++) {
      const sink = this.sinks[c]!;
      let inf = inferred ? null : (this.inference[c] ?? null);
      if (inf !== null && inf.done) inf = null;
      if (inf !== null && (inf.open() & ~sink.fuses) !== 0) {
        // Cells the sink takes on its fast path might narrow this column's candidates: inference sees each first.
        inferColumn(inf, batch, c, 0);
        inf = null;
      }
      const r = sink.add(batch, c, inf);
      if (r < 0) continue;
      if (inf !== null) inferColumn(inf, batch, c, r + 1); // the sink stopped at row r
      if (badRow < 0 || r < badRow) (badRow = r), (badCol = c);
    }
    if (badRow >= 0) {
      // The store's columns now have different lengths, but it is not used after this.
      this.contradicted = true;
      if (this.final) throw this.cellError(batch, badRow, badCol);
      return;
    }
    this.store.rowCount += batch.length;
    for (let r = 0; r < batch.length; r++) this.lines.push(batch.lines[r]!);
  }

  /** The error of the first cell (in file order) that did not convert. */
  private cellError(batch: CsvBatch, r: number, c: number): unknown {
    try {
      convertText(batch.text(r * batch.width + c), this.types[c]!);
    } catch (e) {
      return typeError(e, this.shown, batch.lines[r]!, this.header[c]!);
    }
    throw new Error(`a cell converted on the second try (row ${r}, column ${c})`);
  }

  /** Hands over the rows converted so far, with their source lines, and goes on into an empty store: for streaming. */
  drain(): { store: ColumnStore; lines: Float64Array } {
    const drained = { store: this.store, lines: this.lines.all() };
    this.store = new ColumnStore(this.store.fields);
    this.sinks = this.types.map((t, c) => columnSink(this.store.columns[c]!, t));
    this.lines = new RowLines();
    return drained;
  }

  result(): ReadResult {
    const lines = this.lines;
    const shown = this.shown;
    return { store: this.store, rowLabel: (r) => `${shown}:${lines.lineOf(r)}` };
  }
}

/**
 * The line of each row, kept only where it does not follow on from the row
 * before (after blank lines and multi-line fields): a number per row cost
 * 8+ MB for a million rows.
 */
class RowLines {
  private rows: number[] = [];
  private firstLines: number[] = [];
  private count = 0;
  private next = -1;

  push(line: number): void {
    if (line !== this.next) {
      this.rows.push(this.count);
      this.firstLines.push(line);
    }
    this.count++;
    this.next = line + 1;
  }

  /** Every row's line, in row order (a batch's worth, when streaming). */
  all(): Float64Array {
    const out = new Float64Array(this.count);
    for (let i = 0; i < this.rows.length; i++) {
      const end = i + 1 < this.rows.length ? this.rows[i + 1]! : this.count;
      for (let r = this.rows[i]!; r < end; r++) out[r] = this.firstLines[i]! + (r - this.rows[i]!);
    }
    return out;
  }

  lineOf(r: number): number {
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rows[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    return this.firstLines[lo]! + (r - rows[lo]!);
  }
}
