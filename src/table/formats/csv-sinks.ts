/**
 * Column sinks: each appends one column of a parsed CSV batch to its typed
 * column, from the cells' bytes. Numbers, booleans, dates and the common
 * timestamps are parsed from the bytes and text is copied as bytes, so no JS
 * string is made per cell; a cell a byte parser cannot take exactly (a rare
 * format, an escaped quote, an error) goes through the string path,
 * convertText, which decides as it always has.
 *
 * While the types are a guess (the first pass over a CSV file), every cell
 * must also go to inference, since the whole file decides the types. A sink
 * given the column's TextInference feeds it in the same pass, parsing each
 * common cell once instead of twice:
 * - a cell whose fast parse also proves that inference would leave the
 *   column as it is (a canonical number, canonicalNumberStart; a date;
 *   `true`/`false`), while the column's open candidates are among `fuses`,
 *   is not shown to inference at all;
 * - a timestamp is handed to inference as scanned (addScannedTimestamp);
 * - any other cell goes to inference exactly as it would on its own.
 * Candidates only ever drop out, so a cell that leaves a set of open
 * candidates unchanged leaves any subset unchanged too: the proof holds for
 * the rest of the batch whatever the other cells do.
 *
 * The hot column types have a class each, with their own loop, so that every
 * call in a loop sees one parser and one column class (V8 inlines them); a
 * single loop calling a parser closure made one megamorphic call per cell.
 */
import { BigIntColumn, BoolColumn, NumberColumn, StringColumn } from '../column-store.js';
import type { Column } from '../column-store.js';
import { CANDIDATE_BOOL, CANDIDATE_DATE, CANDIDATE_FLOAT, CANDIDATE_INT, CANDIDATE_TS, canonicalNumberStart, convertText } from '../infer.js';
import type { TextInference } from '../infer.js';
import { parseDateBytes, scanTimestampBytes, TimestampParts } from '../temporal.js';
import type { FvType } from '../types.js';
import { parseFloatBytes, parseIntegerBytes, timestampPartsToNumber } from '../values.js';
import { inferCell } from './csv-infer.js';
import { FIELD_PLAIN } from './csv-batch.js';
import type { CsvBatch } from './csv-batch.js';

export interface ColumnSink {
  /**
   * The inference states add() may be given an inference in: its open
   * candidates (CANDIDATE_* bits) must be among these. 0: never.
   */
  readonly fuses: number;
  /**
   * Appends column c of the batch; returns the first row whose cell did not
   * convert (the column stops there), or -1. With `inf`, also feeds it every
   * cell up to that row, that row's included.
   */
  add(batch: CsvBatch, c: number, inf: TextInference | null): number;
}

/** The sink for a column of type t. */
export function columnSink(col: Column, t: FvType): ColumnSink {
  const kind = t.kind;
  if (col instanceof BigIntColumn) {
    if (kind === 'int64' || kind === 'uint64') return new Int64Sink(col, t);
    if (kind === 'timestamp') return new TimestampSink(col, t, t.unit);
  }
  if (col instanceof NumberColumn) {
    if (kind === 'float32' || kind === 'float64') return new FloatSink(col, t);
    if (kind === 'date32') return new ByteSink(col, t, parseDateOrNaN, CANDIDATE_DATE);
    return new ByteSink(col, t, (b, s, e) => parseIntegerBytes(b, s, e, kind), 0);
  }
  if (col instanceof BoolColumn) return new ByteSink(col, t, boolBytes, CANDIDATE_BOOL);
  if (col instanceof StringColumn) return new TextSink(col);
  return new StringPathSink(col, t);
}

/**
 * A cell no fast path took: shown to inference (when there is one), then
 * converted through the string path. False when it does not convert.
 */
function slowCell(col: Column, batch: CsvBatch, f: number, t: FvType, inf: TextInference | null): boolean {
  if (inf !== null) inferCell(inf, batch, f);
  return pushText(col, batch, f, t);
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
 * int64 / uint64, stored as words: small values are parsed as numbers, not
 * BigInts (a BigInt per cell was a large share of the import's garbage). A
 * canonical integer of at most 15 digits leaves int and float open.
 */
class Int64Sink implements ColumnSink {
  readonly fuses = CANDIDATE_INT | CANDIDATE_FLOAT;
  constructor(
    private readonly col: BigIntColumn,
    private readonly t: FvType,
  ) {}

  add(batch: CsvBatch, c: number, inf: TextInference | null): number {
    const { bytes, starts, ends, kinds, width, length } = batch;
    const col = this.col;
    const kind = this.t.kind;
    for (let r = 0, f = c; r < length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN) {
        const a = starts[f]!;
        const b = ends[f]!;
        const v = parseIntegerBytes(bytes, a, b, kind);
        if (v === v) {
          if (inf !== null && !canonicalNumberStart(bytes, a, b)) inf.addBytes(bytes, a, b);
          col.pushSafeInteger(v);
          continue;
        }
      }
      if (!slowCell(col, batch, f, this.t, inf)) return r;
    }
    return -1;
  }
}

/** float64 / float32. A canonical decimal of at most 15 digits leaves float open. */
class FloatSink implements ColumnSink {
  readonly fuses = CANDIDATE_FLOAT;
  constructor(
    private readonly col: NumberColumn,
    private readonly t: FvType,
  ) {}

  add(batch: CsvBatch, c: number, inf: TextInference | null): number {
    const { bytes, starts, ends, kinds, width, length } = batch;
    const col = this.col;
    const kind = this.t.kind;
    for (let r = 0, f = c; r < length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN) {
        const a = starts[f]!;
        const b = ends[f]!;
        const x = parseFloatBytes(bytes, a, b, kind);
        if (x === x) {
          if (inf !== null && !canonicalNumberStart(bytes, a, b)) inf.addBytes(bytes, a, b);
          col.pushNumber(x);
          continue;
        }
      }
      if (!slowCell(col, batch, f, this.t, inf)) return r;
    }
    return -1;
  }
}

/**
 * Timestamps: scanned once, for inference and for the value. Seconds and
 * milliseconds are stored from the scanned parts as numbers; finer units
 * (and values with more precision than the unit) take the string path.
 */
class TimestampSink implements ColumnSink {
  readonly fuses = CANDIDATE_TS;
  private readonly parts = new TimestampParts();
  constructor(
    private readonly col: BigIntColumn,
    private readonly t: FvType,
    private readonly unit: string,
  ) {}

  add(batch: CsvBatch, c: number, inf: TextInference | null): number {
    const { bytes, starts, ends, kinds, width, length } = batch;
    const { col, parts, unit } = this;
    for (let r = 0, f = c; r < length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN && scanTimestampBytes(bytes, starts[f]!, ends[f]!, parts)) {
        if (inf !== null) inf.addScannedTimestamp(parts);
        const v = timestampPartsToNumber(parts, unit);
        if (v === v) col.pushSafeInteger(v);
        else if (!pushText(col, batch, f, this.t)) return r;
        continue;
      }
      if (!slowCell(col, batch, f, this.t, inf)) return r;
    }
    return -1;
  }
}

/**
 * Parses the text in bytes[a, b) (a number, or NaN when the string path
 * must decide); a parsed cell leaves a column whose open candidates are
 * among the sink's `fuses` as it is.
 */
type ByteParse = (bytes: Uint8Array, a: number, b: number) => number;

/** The less common types (small integers, dates, booleans): one loop, the parser passed in. */
class ByteSink implements ColumnSink {
  constructor(
    private readonly col: NumberColumn | BoolColumn,
    private readonly t: FvType,
    private readonly parse: ByteParse,
    readonly fuses: number,
  ) {}

  add(batch: CsvBatch, c: number, inf: TextInference | null): number {
    const { bytes, starts, ends, kinds, width, length } = batch;
    const col = this.col;
    for (let r = 0, f = c; r < length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN) {
        const v = this.parse(bytes, starts[f]!, ends[f]!);
        if (v === v) {
          if (col instanceof BoolColumn) col.push(v === 1);
          else col.pushNumber(v);
          continue;
        }
      }
      if (!slowCell(col, batch, f, this.t, inf)) return r;
    }
    return -1;
  }
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
class TextSink implements ColumnSink {
  readonly fuses = 0;
  constructor(private readonly col: StringColumn) {}

  add(batch: CsvBatch, c: number): number {
    const { bytes, starts, ends, kinds, width, length } = batch;
    const col = this.col;
    for (let r = 0, f = c; r < length; r++, f += width) {
      if (kinds[f] === FIELD_PLAIN) col.pushBytes(bytes, starts[f]!, ends[f]!);
      else col.push(batch.text(f));
    }
    return -1;
  }
}

/** Types with no byte parser (decimal, binary): every cell through the string path. */
class StringPathSink implements ColumnSink {
  readonly fuses = 0;
  constructor(
    private readonly col: Column,
    private readonly t: FvType,
  ) {}

  add(batch: CsvBatch, c: number): number {
    for (let r = 0, f = c; r < batch.length; r++, f += batch.width) if (!pushText(this.col, batch, f, this.t)) return r;
    return -1;
  }
}
