/**
 * Converts parsed CSV/TSV records into typed columns under given column
 * types: the per-cell hot path of a text import. Kept apart from the
 * reading flow (read-columns.ts) so the two can change independently.
 */
import { FvError } from '../../errors/FvError.js';
import { BigIntColumn, ColumnStore } from '../column-store.js';
import type { Column } from '../column-store.js';
import { parseIntegerFast, parseTimestampFast } from '../values.js';
import { convertText } from '../infer.js';
import type { FvType } from '../types.js';
import type { CsvRecord } from './csv-parser.js';
import type { ReadResult } from './read-columns.js';

/** Prefixes a conversion error with the file, line and column it came from. */
export function typeError(e: unknown, shown: string, line: number, col: string): unknown {
  if (e instanceof FvError && e.code === 'TYPE_ERROR') return new FvError('TYPE_ERROR', `${shown}:${line}: column "${col}": ${e.message}`);
  return e;
}

/** Converts records into a ColumnStore under given column types. */
export class Conversion {
  store: ColumnStore;
  private sinks: ((s: string | null) => void)[];
  private lines: number[] = [];
  /** A cell did not convert under a guessed type: the store is incomplete and will not be used. */
  contradicted = false;

  /**
   * `final`: the types are the file's own (given, or inferred from all of it),
   * so a cell that does not convert is the user's error, thrown at once.
   * Otherwise the failure only marks the guess wrong: the caller parses on
   * (an error in the file's structure further on is reported first, as when
   * inference read the whole file before any conversion) and converts again.
   */
  constructor(
    private readonly header: string[],
    readonly types: FvType[],
    private readonly shown: string,
    private readonly final: boolean,
  ) {
    this.store = new ColumnStore(header.map((name, c) => ({ name, type: types[c]! })));
    this.sinks = types.map((t, c) => cellSink(this.store.columns[c]!, t));
  }

  add(batch: CsvRecord[]): void {
    if (this.contradicted) return;
    const sinks = this.sinks;
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      for (let c = 0; c < sinks.length; c++) {
        try {
          sinks[c]!(rec.fields[c] ?? null);
        } catch (e) {
          if (this.final) throw typeError(e, this.shown, rec.line, this.header[c]!);
          // The row is half pushed, but the store is not used after this.
          this.contradicted = true;
          return;
        }
      }
      this.store.rowCount++;
      this.lines.push(rec.line);
    }
  }

  /** Hands over the rows converted so far, with their source lines, and goes on into an empty store: for streaming. */
  drain(): { store: ColumnStore; lines: number[] } {
    const drained = { store: this.store, lines: this.lines };
    this.store = new ColumnStore(this.store.fields);
    this.sinks = this.types.map((t, c) => cellSink(this.store.columns[c]!, t));
    this.lines = [];
    return drained;
  }

  result(): ReadResult {
    const lines = this.lines;
    const shown = this.shown;
    return { store: this.store, rowLabel: (r) => `${shown}:${lines[r]}` };
  }
}

/**
 * Converts one CSV cell (null: empty) and appends it to `col`. 64-bit integer
 * and second/millisecond timestamp columns take small values as numbers and
 * store their words directly: a BigInt per cell was a large share of the
 * import's garbage. Anything else goes through convertText.
 */
function cellSink(col: Column, t: FvType): (s: string | null) => void {
  if (col instanceof BigIntColumn) {
    if (t.kind === 'int64' || t.kind === 'uint64') {
      return (s) => {
        const v = s === null ? NaN : parseIntegerFast(s, t.kind);
        if (v === v) col.pushSafeInteger(v);
        else col.push(convertText(s, t));
      };
    }
    if (t.kind === 'timestamp' && (t.unit === 's' || t.unit === 'ms')) {
      const unit = t.unit;
      return (s) => {
        const v = s === null ? NaN : parseTimestampFast(s, unit);
        if (v === v) col.pushSafeInteger(v);
        else col.push(convertText(s, t));
      };
    }
  }
  return (s) => col.push(convertText(s, t));
}
