/**
 * Converts parsed CSV/TSV records into typed columns under given column
 * types, and feeds them to inference: the per-cell hot paths of a text
 * import. Kept apart from the reading flow (read-columns.ts) so the two can
 * change independently.
 *
 * Cells are read from the batch's bytes (see csv-parser.ts): numbers,
 * booleans, dates and the common timestamps are parsed from the bytes and
 * text is copied as bytes, so no JS string is made per cell. A cell a byte
 * parser cannot take exactly (a rare format, an escaped quote, an error) goes
 * through the string path, convertText, which decides as before.
 */
import { FvError } from '../../errors/FvError.js';
import { BigIntColumn, BoolColumn, ColumnStore, NumberColumn, StringColumn } from '../column-store.js';
import type { Column } from '../column-store.js';
import { convertText } from '../infer.js';
import type { TextInference } from '../infer.js';
import { parseDateBytes } from '../temporal.js';
import type { FvType } from '../types.js';
import { parseFloatBytes, parseIntegerBytes, parseTimestampBytes } from '../values.js';
import { FIELD_NULL, FIELD_PLAIN } from './csv-parser.js';
import type { CsvBatch } from './csv-parser.js';
import type { ReadResult } from './read-columns.js';

/** Prefixes a conversion error with the file, line and column it came from. */
export function typeError(e: unknown, shown: string, line: number, col: string): unknown {
  if (e instanceof FvError && e.code === 'TYPE_ERROR') return new FvError('TYPE_ERROR', `${shown}:${line}: column "${col}": ${e.message}`);
  return e;
}

/** Feeds rows `start..` of a batch to the inference of each column (null: the column's type is given). */
export function inferBatch(inference: readonly (TextInference | null)[], batch: CsvBatch, start: number): void {
  const { bytes, starts, ends, kinds, width } = batch;
  for (let c = 0; c < inference.length; c++) {
    const inf = inference[c];
    if (!inf) continue;
    for (let f = start * width + c; f < kinds.length && !inf.done; f += width) {
      const kind = kinds[f]!;
      if (kind === FIELD_PLAIN) inf.addBytes(bytes, starts[f]!, ends[f]!);
      else if (kind !== FIELD_NULL) inf.add(batch.text(f));
    }
  }
}

/**
 * Appends column c of a batch to its typed column; returns the first row
 * whose cell did not convert (the column stops there), or -1.
 */
type ColumnSink = (batch: CsvBatch, c: number) => number;

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
   */
  constructor(
    private readonly header: string[],
    readonly types: FvType[],
    private readonly shown: string,
    private readonly final: boolean,
  ) {
    this.store = new ColumnStore(header.map((name, c) => ({ name, type: types[c]! })));
    this.sinks = types.map((t, c) => columnSink(this.store.columns[c]!, t));
  }

  add(batch: CsvBatch): void {
    if (this.contradicted) return;
    // Column by column: each sink runs one tight loop of one kind of cell.
    let badRow = -1;
    let badCol = -1;
    for (let c = 0; c < this.sinks.length; c++) {
      const r = this.sinks[c]!(batch, c);
      if (r >= 0 && (badRow < 0 || r < badRow)) (badRow = r), (badCol = c);
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

/** Pushes field f through the string path; false when it does not convert. */
function pushText(col: Column, batch: CsvBatch, f: number, t: FvType): boolean {
  try {
    col.push(convertText(batch.text(f), t));
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses the text in bytes[a, b) and appends its value to the sink's column,
 * or returns false (appending nothing) when the string path must decide.
 */
type BytePush = (bytes: Uint8Array, a: number, b: number) => boolean;

/**
 * A sink for one column: plain cells go through `push`, everything else (and
 * what `push` declines) through convertText. Parsing and storing are one call
 * so that a double is never boxed between them.
 */
function byteSink(col: Column, t: FvType, push: BytePush): ColumnSink {
  return (batch, c) => {
    const { bytes, starts, ends, kinds, width } = batch;
    for (let r = 0, f = c; r < batch.length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN && push(bytes, starts[f]!, ends[f]!)) continue;
      if (!pushText(col, batch, f, t)) return r;
    }
    return -1;
  };
}

/**
 * The sink for a column of type t. 64-bit integer and second/millisecond
 * timestamp columns take small values as numbers and store their words
 * directly: a BigInt per cell was a large share of the import's garbage.
 */
function columnSink(col: Column, t: FvType): ColumnSink {
  const kind = t.kind;
  if (col instanceof BigIntColumn) {
    if (kind === 'int64' || kind === 'uint64') {
      return byteSink(col, t, (b, s, e) => {
        const v = parseIntegerBytes(b, s, e, kind);
        if (v !== v) return false;
        col.pushSafeInteger(v);
        return true;
      });
    }
    if (t.kind === 'timestamp' && (t.unit === 's' || t.unit === 'ms')) {
      const unit = t.unit;
      return byteSink(col, t, (b, s, e) => {
        const v = parseTimestampBytes(b, s, e, unit);
        if (v !== v) return false;
        col.pushSafeInteger(v);
        return true;
      });
    }
  }
  if (col instanceof NumberColumn) {
    const parse = kind === 'float32' || kind === 'float64' ? parseFloatBytes : kind === 'date32' ? parseDateOrNaN : parseIntegerBytes;
    return byteSink(col, t, (b, s, e) => {
      const v = parse(b, s, e, kind);
      if (v !== v) return false;
      col.pushNumber(v);
      return true;
    });
  }
  if (col instanceof BoolColumn) {
    return byteSink(col, t, (b, s, e) => {
      const v = boolBytes(b, s, e);
      if (v !== v) return false;
      col.push(v === 1);
      return true;
    });
  }
  if (col instanceof StringColumn) return textSink(col);
  return byteSink(col, t, () => false);
}

function parseDateOrNaN(bytes: Uint8Array, a: number, b: number): number {
  return parseDateBytes(bytes, a, b) ?? NaN;
}

/** 1 for `true`, 0 for `false`, NaN otherwise (other spellings go through the string path). */
function boolBytes(bytes: Uint8Array, a: number, b: number): number {
  const n = b - a;
  if (n === 4 && bytes[a] === 116 && bytes[a + 1] === 114 && bytes[a + 2] === 117 && bytes[a + 3] === 101) return 1;
  if (n === 5 && bytes[a] === 102 && bytes[a + 1] === 97 && bytes[a + 2] === 108 && bytes[a + 3] === 115 && bytes[a + 4] === 101) return 0;
  return NaN;
}

/** Text cells: the bytes are the value (unless quotes were doubled), copied as they are. */
function textSink(col: StringColumn): ColumnSink {
  return (batch, c) => {
    const { bytes, starts, ends, kinds, width } = batch;
    for (let r = 0, f = c; r < batch.length; r++, f += width) {
      const kind = kinds[f];
      if (kind === FIELD_PLAIN) col.pushBytes(bytes, starts[f]!, ends[f]!);
      else col.push(batch.text(f));
    }
    return -1;
  };
}
