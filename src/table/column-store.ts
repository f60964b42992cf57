/**
 * Compact, growable columns for a whole table in memory (import, sort,
 * chunk). JS arrays of boxed values cost ~10x the file size; these keep
 * numbers in typed arrays and text as UTF-8 bytes with offsets (the Arrow
 * layout), so a table costs about what its Arrow encoding does.
 * The table writer hashes, takes statistics of and Arrow-encodes chunks
 * straight from these typed columns (encodeCell, extremes, gather), never
 * boxing a value per cell; slice() gives plain values to other callers.
 */
import type { GatheredColumn } from './arrow/arrow-chunk.js';
import { FvError } from '../errors/FvError.js';
import { RowEncoder } from './row-hash.js';
import type { TableData } from './table-data.js';
import type { Field, FvType, Value } from './types.js';
import { compareValues } from './values.js';

const ENCODER = new TextEncoder();
// ignoreBOM: a value that starts with U+FEFF keeps it (the default decoder would drop it).
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

export interface Column {
  readonly type: FvType;
  readonly length: number;
  push(v: Value): void;
  get(r: number): Value;
  /** Appends row r's cell to a row encoding: the bytes RowEncoder.add(get(r), type) writes. */
  encodeCell(r: number, enc: RowEncoder): void;
  /**
   * Null count and the rows holding the least and greatest non-null value
   * (compareValues order; the first such row on ties; -1 when all null) of
   * the rows `order[start..end)` (start..end when order is null).
   */
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes;
  /** The values of rows order[start..end) (start..end when order is null), typed, for Arrow encoding. */
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn;
  isNull(r: number): boolean;
  /**
   * compareValues(get(a), get(b)) for two non-null rows, read from the typed
   * arrays: sorting by key boxed a BigInt or string per row otherwise.
   */
  compare(a: number, b: number): number;
}

/** Validity bytes of rows order[start..end), or null when the column has no nulls at all. */
function gatherValidity(valid: Validity, order: ArrayLike<number> | null, start: number, end: number): Uint8Array | null {
  const src = valid.bytes;
  if (src === null) return null;
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = src[order === null ? i : order[i]!]!;
  return out;
}

export interface Extremes {
  nulls: number;
  minRow: number;
  maxRow: number;
}

/** compareValues on two numbers (NaN greatest), without boxing. */
export function compareNumbers(a: number, b: number): number {
  if (a === b) return 0; // as compareValues: -0 and 0 tie, the first seen is kept
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : 1;
}

/** Extremes over rows via a comparison of row indexes and a presence test. */
export function scanExtremes(order: ArrayLike<number> | null, start: number, end: number, present: (r: number) => boolean, cmp: (a: number, b: number) => number): Extremes {
  let nulls = 0;
  let minRow = -1;
  let maxRow = -1;
  for (let i = start; i < end; i++) {
    const r = order === null ? i : order[i]!;
    if (!present(r)) {
      nulls++;
      continue;
    }
    if (minRow < 0) {
      minRow = maxRow = r;
      continue;
    }
    if (cmp(r, minRow) < 0) minRow = r;
    if (cmp(r, maxRow) > 0) maxRow = r;
  }
  return { nulls, minRow, maxRow };
}

// Push paths run once per cell of an import, so they check capacity inline
// and only call out (allocating) when an array must grow: a closure per push
// was a measurable share of import time and garbage.

function grownF64(a: Float64Array, need: number): Float64Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function grownU8(a: Uint8Array, need: number, fill: number): Uint8Array<ArrayBuffer> {
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Uint8Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
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
    if (r >= this.bytes.length) this.bytes = grownU8(this.bytes, r + 1, 1);
    this.bytes[r] = present ? 1 : 0;
  }

  has(r: number): boolean {
    return this.bytes === null || this.bytes[r] !== 0;
  }
}

/** int8..uint32, float32/64, date32: stored as float64 (exact for all of them). */
export class NumberColumn implements Column {
  private values = new Float64Array(1024);
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    const r = this.length;
    if (r >= this.values.length) this.values = grownF64(this.values, r + 1);
    if (v === null) this.valid.mark(r, false, r);
    else if (this.valid.bytes !== null) this.valid.mark(r, true, r);
    this.values[r] = v === null ? 0 : (v as number);
    this.length = r + 1;
  }
  /** push() of a non-null value. */
  pushNumber(v: number): void {
    const r = this.length;
    if (r >= this.values.length) this.values = grownF64(this.values, r + 1);
    if (this.valid.bytes !== null) this.valid.mark(r, true, r);
    this.values[r] = v;
    this.length = r + 1;
  }
  get(r: number): Value {
    return this.valid.has(r) ? this.values[r]! : null;
  }
  encodeCell(r: number, enc: RowEncoder): void {
    if (!this.valid.has(r)) enc.addNull();
    else if (this.type.kind === 'float32' || this.type.kind === 'float64') enc.addFloat(this.values[r]!);
    else enc.addIntNumber(this.values[r]!);
  }
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes {
    const v = this.values;
    return scanExtremes(order, start, end, (r) => this.valid.has(r), (a, b) => compareNumbers(v[a]!, v[b]!));
  }
  isNull(r: number): boolean {
    return !this.valid.has(r);
  }
  compare(a: number, b: number): number {
    return compareNumbers(this.values[a]!, this.values[b]!);
  }
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn {
    const out = new Float64Array(end - start);
    const v = this.values;
    for (let i = start; i < end; i++) out[i - start] = v[order === null ? i : order[i]!]!;
    return { kind: 'number', values: out, valid: gatherValidity(this.valid, order, start, end) };
  }
}

/** int64, timestamps: BigInt64Array; uint64: BigUint64Array. */
export class BigIntColumn implements Column {
  private values: BigInt64Array | BigUint64Array;
  /** The values' 32-bit words (low, high per value; little-endian platform), for hashing without BigInts. */
  private words: Uint32Array;
  /** The same words read as signed, for comparing high words of signed types. */
  private signedWords: Int32Array;
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {
    this.values = type.kind === 'uint64' ? new BigUint64Array(1024) : new BigInt64Array(1024);
    this.words = new Uint32Array(this.values.buffer);
    this.signedWords = new Int32Array(this.values.buffer);
  }
  push(v: Value): void {
    const r = this.length;
    if (r >= this.values.length) {
      const b = this.type.kind === 'uint64' ? new BigUint64Array(this.values.length * 2) : new BigInt64Array(this.values.length * 2);
      b.set(this.values as never);
      this.values = b;
      this.words = new Uint32Array(b.buffer);
      this.signedWords = new Int32Array(b.buffer);
    }
    if (v === null) this.valid.mark(r, false, r);
    else if (this.valid.bytes !== null) this.valid.mark(r, true, r);
    this.values[r] = v === null ? 0n : (v as bigint);
    this.length = r + 1;
  }
  /** push(BigInt(v)) for an integer |v| < 2^53 (uint64: v >= 0), writing the words without making a BigInt. */
  pushSafeInteger(v: number): void {
    const r = this.length;
    if (r >= this.values.length) this.push(0n), (this.length = r); // grows (and marks) like push
    else if (this.valid.bytes !== null) this.valid.mark(r, true, r);
    const hi = Math.floor(v / 4294967296);
    this.words[2 * r] = v - hi * 4294967296;
    this.words[2 * r + 1] = hi; // a negative hi wraps to its two's complement word
    this.length = r + 1;
  }
  get(r: number): Value {
    return this.valid.has(r) ? this.values[r]! : null;
  }
  encodeCell(r: number, enc: RowEncoder): void {
    if (!this.valid.has(r)) return enc.addNull();
    const w = this.words;
    enc.addInt64Words(w[2 * r]!, w[2 * r + 1]!, this.type.kind !== 'uint64');
  }
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes {
    return scanExtremes(order, start, end, (r) => this.valid.has(r), (a, b) => this.compare(a, b));
  }
  isNull(r: number): boolean {
    return !this.valid.has(r);
  }
  /** High words (signed, or unsigned for uint64), then low words unsigned. */
  compare(a: number, b: number): number {
    const lo = this.words;
    const hi = this.signedWords;
    const signed = this.type.kind !== 'uint64';
    const ha = signed ? hi[2 * a + 1]! : lo[2 * a + 1]!;
    const hb = signed ? hi[2 * b + 1]! : lo[2 * b + 1]!;
    if (ha !== hb) return ha < hb ? -1 : 1;
    const la = lo[2 * a]!, lb = lo[2 * b]!;
    return la === lb ? 0 : la < lb ? -1 : 1;
  }
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn {
    const out = new Uint32Array((end - start) * 2);
    const w = this.words;
    for (let i = start; i < end; i++) {
      const r = order === null ? i : order[i]!;
      out[2 * (i - start)] = w[2 * r]!;
      out[2 * (i - start) + 1] = w[2 * r + 1]!;
    }
    return { kind: 'int64', words: out, valid: gatherValidity(this.valid, order, start, end) };
  }
}

export class BoolColumn implements Column {
  private values = new Uint8Array(1024);
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    const r = this.length;
    if (r >= this.values.length) this.values = grownU8(this.values, r + 1, 0);
    this.values[r] = v === null ? 2 : v ? 1 : 0;
    this.length = r + 1;
  }
  get(r: number): Value {
    const b = this.values[r]!;
    return b === 2 ? null : b === 1;
  }
  encodeCell(r: number, enc: RowEncoder): void {
    const b = this.values[r]!;
    if (b === 2) enc.addNull();
    else enc.addBool(b === 1);
  }
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes {
    const v = this.values;
    return scanExtremes(order, start, end, (r) => v[r] !== 2, (a, b) => v[a]! - v[b]!);
  }
  isNull(r: number): boolean {
    return this.values[r] === 2;
  }
  compare(a: number, b: number): number {
    return this.values[a]! - this.values[b]!;
  }
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn {
    const out = new Uint8Array(end - start);
    for (let i = start; i < end; i++) out[i - start] = this.values[order === null ? i : order[i]!]!;
    return { kind: 'bool', values: out };
  }
}

/** Bytes [i, ea) against bytes [j, eb) of `bytes`, bytewise, a prefix first. */
export function compareByteRanges(bytes: Uint8Array, i: number, ea: number, j: number, eb: number): number {
  for (; i < ea && j < eb; i++, j++) {
    const x = bytes[i]!, y = bytes[j]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ea - i === eb - j ? 0 : i < ea ? 1 : -1;
}

/** utf8 / large_utf8: UTF-8 bytes plus offsets; null is offset -1 in `nulls`. */
export class StringColumn implements Column {
  private bytes = new Uint8Array(64 * 1024);
  private offsets = new Float64Array(1025);
  private used = 0;
  private valid = new Validity();
  length = 0;
  constructor(readonly type: FvType) {}
  push(v: Value): void {
    const r = this.length;
    if (r + 2 > this.offsets.length) this.offsets = grownF64(this.offsets, r + 2);
    if (v === null) this.valid.mark(r, false, r);
    else {
      if (this.valid.bytes !== null) this.valid.mark(r, true, r);
      const s = v as string;
      if (this.used + s.length * 3 > this.bytes.length) this.bytes = grownU8(this.bytes, this.used + s.length * 3, 0);
      this.used += ENCODER.encodeInto(s, this.bytes.subarray(this.used)).written;
    }
    this.length = r + 1;
    this.offsets[r + 1] = this.used;
  }
  /** push() of the string whose UTF-8 bytes are bytes[a, b), copying them: no string is made. */
  pushBytes(bytes: Uint8Array, a: number, b: number): void {
    const r = this.length;
    if (r + 2 > this.offsets.length) this.offsets = grownF64(this.offsets, r + 2);
    if (this.valid.bytes !== null) this.valid.mark(r, true, r);
    const n = b - a;
    if (this.used + n > this.bytes.length) this.bytes = grownU8(this.bytes, this.used + n, 0);
    const dst = this.bytes;
    const at = this.used;
    // Most cells are short: a loop beats making a subarray for set().
    if (n <= 32) for (let k = 0; k < n; k++) dst[at + k] = bytes[a + k]!;
    else dst.set(bytes.subarray(a, b), at);
    this.used = at + n;
    this.length = r + 1;
    this.offsets[r + 1] = this.used;
  }
  get(r: number): Value {
    if (!this.valid.has(r)) return null;
    return DECODER.decode(this.bytes.subarray(this.offsets[r]!, this.offsets[r + 1]!));
  }
  encodeCell(r: number, enc: RowEncoder): void {
    if (!this.valid.has(r)) enc.addNull();
    else enc.addByteRange(this.bytes, this.offsets[r]!, this.offsets[r + 1]!);
  }
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes {
    return scanExtremes(order, start, end, (r) => this.valid.has(r), (a, b) => this.compare(a, b));
  }
  isNull(r: number): boolean {
    return !this.valid.has(r);
  }
  /** UTF-8 byte order is code point order, the order compareValues gives strings. */
  compare(a: number, b: number): number {
    const off = this.offsets;
    return compareByteRanges(this.bytes, off[a]!, off[a + 1]!, off[b]!, off[b + 1]!);
  }
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn {
    const n = end - start;
    const off = this.offsets;
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = start; i < end; i++) {
      const r = order === null ? i : order[i]!;
      total += off[r + 1]! - off[r]!; // a null's range is empty
      offsets[i - start + 1] = total;
    }
    if (total > 2 ** 31 - 1) {
      throw new FvError('TYPE_ERROR', `${total} bytes of ${this.type.kind} data exceed the 2 GiB limit of one chunk`, { hint: 'use large_utf8 or smaller chunks' });
    }
    const bytes = new Uint8Array(total);
    const src = this.bytes;
    for (let i = start; i < end; i++) {
      const r = order === null ? i : order[i]!;
      const a = off[r]!, b = off[r + 1]!;
      const at = offsets[i - start]!;
      // Most cells are short: a loop beats making a subarray (garbage) for set().
      if (b - a <= 32) for (let k = a; k < b; k++) bytes[at + k - a] = src[k]!;
      else bytes.set(src.subarray(a, b), at);
    }
    return { kind: 'utf8', bytes, offsets, valid: gatherValidity(this.valid, order, start, end) };
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
  encodeCell(r: number, enc: RowEncoder): void {
    enc.add(this.values[r]!, this.type);
  }
  extremes(order: ArrayLike<number> | null, start: number, end: number): Extremes {
    const v = this.values;
    return scanExtremes(order, start, end, (r) => v[r] !== null, (a, b) => compareValues(v[a]!, v[b]!));
  }
  isNull(r: number): boolean {
    return this.values[r] === null;
  }
  compare(a: number, b: number): number {
    return compareValues(this.values[a]!, this.values[b]!);
  }
  gather(order: ArrayLike<number> | null, start: number, end: number): GatheredColumn {
    const out: Value[] = new Array(end - start);
    for (let i = start; i < end; i++) out[i - start] = this.values[order === null ? i : order[i]!]!;
    return { kind: 'values', values: out };
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

  /** Row r's encoding over columns `cols` (docs/FORMAT.md section 7), into `enc` (reset first). */
  encodeRow(r: number, cols: readonly number[], enc: RowEncoder): void {
    enc.reset();
    for (let k = 0; k < cols.length; k++) this.columns[cols[k]!]!.encodeCell(r, enc);
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
