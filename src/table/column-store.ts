/**
 * Compact, growable columns for a whole table in memory (import, sort,
 * chunk). JS arrays of boxed values cost ~10x the file size; these keep
 * numbers in typed arrays and text as UTF-8 bytes with offsets (the Arrow
 * layout), so a table costs about what its Arrow encoding does.
 * Chunk-sized slices are converted to TableData (plain values) only when a
 * chunk is encoded.
 */
import type { TableData } from './table-data.js';
import type { Field, FvType, Value } from './types.js';

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

export interface Column {
  readonly type: FvType;
  readonly length: number;
  push(v: Value): void;
  get(r: number): Value;
}

function grow<T extends Float64Array | Int32Array | BigInt64Array | BigUint64Array | Uint8Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = make(n);
  b.set(a as never);
  return b;
}

/** Validity, one byte per row (1 = value present); null until the first null arrives. */
class Validity {
  bytes: Uint8Array | null = null;

  mark(r: number, present: boolean, length: number): void {
    if (present && this.bytes === null) return;
    if (this.bytes === null) {
      this.bytes = new Uint8Array(Math.max(16, length * 2)).fill(1);
    }
    this.bytes = grow(this.bytes, r + 1, (n) => {
      const b = new Uint8Array(n);
      b.fill(1);
      return b;
    });
    this.bytes[r] = present ? 1 : 0;
  }

  has(r: number): boolean {
    return this.bytes === null || this.bytes[r] !== 0;
  }
}

/** int8..uint32, float32/64, date32: stored as float64 (exact for all of them). */
class NumberColumn implements Column {
  private values = new Float64Array(1024);
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    this.values = grow(this.values, this.length + 1, (n) => new Float64Array(n));
    this.valid.mark(this.length, v !== null, this.length);
    this.values[this.length++] = v === null ? 0 : (v as number);
  }
  get(r: number): Value {
    return this.valid.has(r) ? this.values[r]! : null;
  }
}

/** int64, timestamps: BigInt64Array; uint64: BigUint64Array. */
class BigIntColumn implements Column {
  private values: BigInt64Array | BigUint64Array;
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {
    this.values = type.kind === 'uint64' ? new BigUint64Array(1024) : new BigInt64Array(1024);
  }
  push(v: Value): void {
    const unsigned = this.type.kind === 'uint64';
    this.values = grow(this.values, this.length + 1, (n) => (unsigned ? new BigUint64Array(n) : new BigInt64Array(n)));
    this.valid.mark(this.length, v !== null, this.length);
    this.values[this.length++] = v === null ? 0n : (v as bigint);
  }
  get(r: number): Value {
    return this.valid.has(r) ? this.values[r]! : null;
  }
}

class BoolColumn implements Column {
  private values = new Uint8Array(1024);
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    this.values = grow(this.values, this.length + 1, (n) => new Uint8Array(n));
    this.values[this.length++] = v === null ? 2 : v ? 1 : 0;
  }
  get(r: number): Value {
    const b = this.values[r]!;
    return b === 2 ? null : b === 1;
  }
}

/** utf8 / large_utf8: UTF-8 bytes plus offsets; null is offset -1 in `nulls`. */
class StringColumn implements Column {
  private bytes = new Uint8Array(64 * 1024);
  private offsets = new Float64Array(1025);
  private used = 0;
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    this.offsets = grow(this.offsets, this.length + 2, (n) => new Float64Array(n));
    this.valid.mark(this.length, v !== null, this.length);
    if (v !== null) {
      const s = v as string;
      this.bytes = grow(this.bytes, this.used + s.length * 3, (n) => new Uint8Array(n));
      this.used += ENCODER.encodeInto(s, this.bytes.subarray(this.used)).written;
    }
    this.offsets[++this.length] = this.used;
  }
  get(r: number): Value {
    if (!this.valid.has(r)) return null;
    return DECODER.decode(this.bytes.subarray(this.offsets[r]!, this.offsets[r + 1]!));
  }
}

/** Anything else (binary, decimal128): plain values. */
class ValueColumn implements Column {
  private values: Value[] = [];
  constructor(readonly type: FvType) {}
  get length(): number {
    return this.values.length;
  }
  push(v: Value): void {
    this.values.push(v);
  }
  get(r: number): Value {
    return this.values[r]!;
  }
}

export function makeColumn(type: FvType): Column {
  switch (type.kind) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32':
    case 'float32': case 'float64': case 'date32':
      return new NumberColumn(type);
    case 'int64': case 'uint64': case 'timestamp':
      return new BigIntColumn(type);
    case 'bool':
      return new BoolColumn(type);
    case 'utf8': case 'large_utf8':
      return new StringColumn(type);
    default:
      return new ValueColumn(type);
  }
}

export class ColumnStore {
  readonly columns: Column[];
  rowCount = 0;

  constructor(readonly fields: Field[]) {
    this.columns = fields.map((f) => makeColumn(f.type));
  }

  static fromTableData(t: TableData): ColumnStore {
    const s = new ColumnStore(t.fields);
    s.appendTableData(t);
    return s;
  }

  appendTableData(t: TableData): void {
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c]!;
      const src = t.columns[c]!;
      for (let r = 0; r < t.rowCount; r++) col.push(src[r]!);
    }
    this.rowCount += t.rowCount;
  }

  /** Appends rows of another store with the same fields (all, or those listed). */
  appendStore(other: ColumnStore, rows?: ArrayLike<number>): void {
    const n = rows ? rows.length : other.rowCount;
    for (let c = 0; c < this.columns.length; c++) {
      const dst = this.columns[c]!;
      const src = other.columns[c]!;
      for (let i = 0; i < n; i++) dst.push(src.get(rows ? rows[i]! : i));
    }
    this.rowCount += n;
  }

  /** Appends one row given as values in field order. */
  pushRow(values: Value[]): void {
    for (let c = 0; c < this.columns.length; c++) this.columns[c]!.push(values[c]!);
    this.rowCount++;
  }

  get(c: number, r: number): Value {
    return this.columns[c]!.get(r);
  }

  /** Rows `order[start..end)` (or start..end when order is null) as plain values. */
  slice(order: ArrayLike<number> | null, start: number, end: number): TableData {
    const n = end - start;
    const columns = this.columns.map((col) => {
      const out: Value[] = new Array(n);
      if (order === null) for (let i = 0; i < n; i++) out[i] = col.get(start + i);
      else for (let i = 0; i < n; i++) out[i] = col.get(order[start + i]!);
      return out;
    });
    return { fields: this.fields, columns, rowCount: n };
  }
}
