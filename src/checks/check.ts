/**
 * What every data check is made of. The runner (runner.ts) streams a table
 * chunk by chunk through a `Judge` per check; row checks call `fail(row)`
 * for each failing row (the runner counts them and keeps up to 5 examples),
 * and `finish` gives the verdict with the observed value.
 */
import type { Json } from '../table/canonical-json.js';
import type { TableManifest } from '../table/manifest.js';
import type { TableData } from '../table/table-data.js';
import type { Field, FvType, Value } from '../table/types.js';
import { formatDecimal } from '../table/values.js';
import type { CheckDef, Severity, CheckType } from '../features/definitions.js';

export interface CheckExample {
  /** The row's primary-key values (JSON form); [] for unkeyed tables. */
  key: Json[];
  /** Position of the row in the table's stored order. */
  index: number;
  row: Record<string, Json>;
}

export interface CheckResult {
  table: string;
  check: string;
  type: CheckType;
  /** The column(s) the check looks at (for people; not in the JSON report). */
  column?: string;
  severity: Severity;
  ok: boolean;
  observed: Json;
  /** Rows that failed (row checks; null rows for missing_percent); 0 for other table checks. */
  unexpected: number;
  examples: CheckExample[];
  /** Rows judged (the denominator of `mostly`; row checks skip nulls except not_null). */
  rows: number;
  /** What would have passed, in the check's own terms. */
  expected: Json;
  /** Set when the check could not be evaluated (a missing table or column, a bad bound); such a check fails. */
  error?: string;
  /** Set when a check passed without judging anything (no reference to compare with). */
  note?: string;
}

export interface CheckReport {
  ok: boolean;
  results: CheckResult[];
}

export interface TableView {
  name: string;
  manifest: TableManifest;
  fields: Field[];
}

export interface ReferenceTable {
  rev: string;
  manifest: TableManifest;
}

export interface CheckEnv {
  /** The time of the check in nanoseconds since the epoch (FV_NOW overrides the clock). */
  now: bigint;
  /** The table at the check's reference rev (or the default reference), or null when there is none. */
  reference(def: CheckDef): Promise<ReferenceTable | null>;
  readChunks(m: TableManifest): AsyncGenerator<TableData>;
}

export interface Verdict {
  observed: Json;
  expected: Json;
  /** Table checks decide ok themselves; row checks leave it to `mostly`. */
  ok?: boolean;
  note?: string;
}

export interface Judge {
  /** Judges one chunk: calls `fail(i)` for each failing row, returns how many rows it judged. */
  chunk?(d: TableData, fail: (row: number) => void): number;
  finish(): Verdict | Promise<Verdict>;
}

/**
 * The usual body of a row check's `chunk`: visits the non-null values of
 * column `i` (row checks judge non-null values only) and returns how many
 * were judged. `visit` returns true when the row fails.
 */
export function judgeNonNull(d: TableData, i: number, fail: (row: number) => void, visit: (v: NonNullable<Value>, row: number) => boolean): number {
  let judged = 0;
  const col = d.columns[i]!;
  for (let r = 0; r < d.rowCount; r++) {
    const v = col[r]!;
    if (v === null) continue;
    judged++;
    if (visit(v, r)) fail(r);
  }
  return judged;
}

export type CheckFactory = (def: CheckDef, table: TableView, env: CheckEnv) => Judge | Promise<Judge>;

/**
 * A check that cannot be evaluated. With `param` (the definition's field at
 * fault: "column", "min", "reference"...) the definition is wrong for this
 * table, and `fv check` / the commit gate refuse it as a bad features.json
 * (exit 2, with the JSON path); without, the check fails with this message.
 */
export class CheckSetupError extends Error {
  constructor(message: string, readonly param?: string) {
    super(message);
  }
}

/** The index of column `name`; `param` names the definition field it came from. */
export function columnIndex(table: TableView, name: string, param = 'column'): number {
  const i = table.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new CheckSetupError(`no column "${name}" in table ${table.name}`, param);
  return i;
}

export function isNumericType(t: FvType): boolean {
  return ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'decimal'].includes(t.kind);
}

/** A numeric value as a JS number (NaN excluded by callers); null for non-numeric types. */
export function toNumber(v: Value, t: FvType): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return t.kind === 'decimal' ? Number(formatDecimal(v, t.scale)) : Number(v);
  return null;
}

/** A growable Float64Array: numeric values of one column (8 bytes per value). */
export class NumberColumn {
  private buf = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.length++] = x;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }
}

/** Quantile q of sorted values by linear interpolation (numpy's default, R type 7). */
export function quantileSorted(s: Float64Array, q: number): number | null {
  if (s.length === 0) return null;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
