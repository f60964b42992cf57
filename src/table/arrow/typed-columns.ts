/**
 * Whole tables as typed Arrow columns (one arrow.Data per column), for
 * readers that must hold every row of a table, such as `fv build`.
 *
 * decodeArrowIpc turns every cell into a JS value (a BigInt per int64 or
 * timestamp, a string per text cell), which for a build of a 1M-row feature
 * table was most of its time and garbage. Here each chunk's Arrow buffers are
 * copied into table-wide typed arrays instead (a memcpy per chunk and column
 * for fixed-width values), and JS values are made only where a caller asks
 * for them (columnValues), e.g. to compare keys that have no exact numeric
 * form.
 *
 * Columns built here are not canonical encodings (a validity bitmap may be
 * present without nulls, text may use 64-bit offsets): gather-column.ts
 * makes canonical output columns from them.
 */
import * as arrow from 'apache-arrow';
import type { TableData } from '../table-data.js';
import type { Field, FvType, Value } from '../types.js';
import { encodeValueColumn, tableDataFromArrow } from './arrow-codec.js';
import { fvTypeToArrow } from './arrow-types.js';

export interface ColumnarTable {
  fields: Field[];
  /** One arrow.Data per field, `rowCount` long, offset 0. */
  columns: arrow.Data[];
  rowCount: number;
}

type Layout = 'fixed' | 'bool' | 'var';

function layoutOf(t: FvType): Layout {
  if (t.kind === 'bool') return 'bool';
  if (t.kind === 'utf8' || t.kind === 'large_utf8' || t.kind === 'binary') return 'var';
  return 'fixed';
}

/** Values per row in the typed array of a fixed-width column (a decimal128 is four 32-bit words). */
function strideOf(t: FvType): number {
  return t.kind === 'decimal' ? 4 : 1;
}

/** Bit `i` of an Arrow bitmap (validity or boolean values). */
export function bitAt(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** The validity bitmap of `d` when it has nulls (bit offset d.offset), else null. */
export function nullBitmapOf(d: arrow.Data): Uint8Array | null {
  return d.nullCount > 0 ? (d.nullBitmap as Uint8Array) : null;
}

/**
 * Appends chunk columns of one field into one table-wide column. The table's
 * row count is known from its manifest, so fixed-width values and offsets
 * are preallocated; text bytes grow by doubling.
 */
class ColumnAppender {
  private readonly layout: Layout;
  private readonly stride: number;
  private readonly arrowType: arrow.DataType;
  private values: ArrayLike<number | bigint> & { set(a: ArrayLike<number | bigint>, at: number): void };
  /** 'var': end offset of each row (offsets[0] = 0), as float64 so that any total fits. */
  private offsets: Float64Array | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private byteCount = 0;
  private valid: Uint8Array | null = null;
  private nullCount = 0;
  private at = 0;

  constructor(
    private readonly field: Field,
    private readonly total: number,
  ) {
    this.layout = layoutOf(field.type);
    this.stride = strideOf(field.type);
    this.arrowType = fvTypeToArrow(field.type);
    if (this.layout === 'fixed') {
      const Ctor = (this.arrowType as arrow.Int).ArrayType as unknown as new (n: number) => ColumnAppender['values'];
      this.values = new Ctor(total * this.stride);
    } else {
      this.values = new Uint8Array(this.layout === 'bool' ? (total + 7) >> 3 : 0);
      if (this.layout === 'var') this.offsets = new Float64Array(total + 1);
    }
  }

  /** Appends the `n` rows of `d` (a column of this field's canonical Arrow type, offset 0). */
  append(d: arrow.Data, n: number): void {
    const at = this.at;
    const bitmap = nullBitmapOf(d);
    if (bitmap !== null) this.appendNulls(bitmap, d.offset, n);
    if (this.layout === 'fixed') {
      this.values.set((d.values as Int32Array).subarray(0, n * this.stride), at * this.stride);
    } else if (this.layout === 'bool') {
      const src = d.values as Uint8Array;
      const dst = this.values as Uint8Array;
      for (let i = 0; i < n; i++) if (bitAt(src, d.offset + i)) dst[(at + i) >> 3]! |= 1 << ((at + i) & 7);
    } else {
      this.appendVar(d.valueOffsets as Int32Array | BigInt64Array, d.values as Uint8Array, n);
    }
    this.at = at + n;
  }

  private appendNulls(bitmap: Uint8Array, offset: number, n: number): void {
    if (this.valid === null) this.valid = new Uint8Array((this.total + 7) >> 3).fill(0xff);
    const valid = this.valid;
    for (let i = 0; i < n; i++) {
      if (bitAt(bitmap, offset + i)) continue;
      const r = this.at + i;
      valid[r >> 3]! &= ~(1 << (r & 7));
      this.nullCount++;
    }
  }

  private appendVar(offsets: Int32Array | BigInt64Array, data: Uint8Array, n: number): void {
    const first = Number(offsets[0]!);
    const len = Number(offsets[n]!) - first;
    if (this.byteCount + len > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.byteCount + len, 1024));
      grown.set(this.bytes.subarray(0, this.byteCount));
      this.bytes = grown;
    }
    this.bytes.set(data.subarray(first, first + len), this.byteCount);
    const dst = this.offsets!;
    const base = this.byteCount - first;
    if (offsets instanceof Int32Array) for (let i = 1; i <= n; i++) dst[this.at + i] = offsets[i]! + base;
    else for (let i = 1; i <= n; i++) dst[this.at + i] = Number(offsets[i]!) + base;
    this.byteCount += len;
  }

  finish(): arrow.Data {
    const n = this.total;
    const base = { length: n, nullCount: this.nullCount, nullBitmap: this.nullCount > 0 ? this.valid! : undefined };
    if (this.layout !== 'var') return arrow.makeData({ ...base, type: this.arrowType as arrow.Int, data: this.values as Int32Array });
    const data = this.bytes.subarray(0, this.byteCount);
    const src = this.offsets!;
    // 32-bit offsets unless the table's text outgrows them (then a 64-bit-offset type: values stay the same).
    if (this.field.type.kind !== 'large_utf8' && this.byteCount <= 0x7fffffff) {
      const valueOffsets = Int32Array.from(src);
      return this.field.type.kind === 'binary'
        ? arrow.makeData({ ...base, type: new arrow.Binary(), valueOffsets, data })
        : arrow.makeData({ ...base, type: new arrow.Utf8(), valueOffsets, data });
    }
    const valueOffsets = new BigInt64Array(n + 1);
    for (let i = 0; i <= n; i++) valueOffsets[i] = BigInt(src[i]!);
    return this.field.type.kind === 'binary'
      ? arrow.makeData({ ...base, type: new arrow.LargeBinary(), valueOffsets, data })
      : arrow.makeData({ ...base, type: new arrow.LargeUtf8(), valueOffsets, data });
  }
}

/** Builds a ColumnarTable of `total` rows from its chunks, in order. */
export class ColumnarTableBuilder {
  private readonly columns: ColumnAppender[];
  private rows = 0;

  constructor(
    private readonly fields: Field[],
    private readonly total: number,
  ) {
    this.columns = fields.map((f) => new ColumnAppender(f, total));
  }

  /** Appends a chunk: one arrow.Data of each field's canonical Arrow type (as columnarFromTableData or an fv chunk gives). */
  append(columns: arrow.Data[], n: number): void {
    if (this.rows + n > this.total) throw new RangeError(`more rows than the ${this.total} expected`);
    for (let i = 0; i < this.columns.length; i++) this.columns[i]!.append(columns[i]!, n);
    this.rows += n;
  }

  finish(): ColumnarTable {
    if (this.rows !== this.total) throw new RangeError(`${this.rows} rows appended, ${this.total} expected`);
    return { fields: this.fields, columns: this.columns.map((c) => c.finish()), rowCount: this.total };
  }
}

/** `t` as typed columns (canonical Arrow encodings of its values). */
export function columnarFromTableData(t: TableData): ColumnarTable {
  const columns = t.fields.map((f, i) => encodeValueColumn(f, fvTypeToArrow(f.type), t.columns[i]!, t.rowCount));
  return { fields: t.fields, columns, rowCount: t.rowCount };
}

/** The values of one column, exactly as decodeArrowIpc gives them. */
export function columnValues(field: Field, d: arrow.Data): Value[] {
  const arrowField = new arrow.Field(field.name, d.type, true);
  const schema = new arrow.Schema([arrowField]);
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct([arrowField]), length: d.length, nullCount: 0, children: [d] }));
  return tableDataFromArrow(schema, [batch], `column ${field.name}`).columns[0]!;
}

export function tableDataFromColumnar(t: ColumnarTable): TableData {
  return { fields: t.fields, columns: t.fields.map((f, i) => columnValues(f, t.columns[i]!)), rowCount: t.rowCount };
}

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * The column's values times `factor` as float64 when every one is an
 * integer of magnitude below 2^53 after scaling (so float64 comparisons are
 * exact), nulls as -Infinity (sorting first, as compareValues puts null);
 * null when some value has no such form (fractions, -0, NaN, huge integers,
 * text, ...). Reads 64-bit values as two 32-bit words: no BigInt per row.
 */
export function exactNumbers(field: Field, d: arrow.Data, factor = 1): Float64Array | null {
  const n = d.length;
  const out = new Float64Array(n);
  const kind = field.type.kind;
  const values = d.values as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number };
  const bitmap = nullBitmapOf(d);
  // Slots under nulls may hold anything: -Infinity is written over them afterwards.
  const isNull = bitmap === null ? null : new Uint8Array(n).map((_, i) => (bitAt(bitmap, d.offset + i) ? 0 : 1));
  if (kind === 'int64' || kind === 'uint64' || kind === 'timestamp') {
    const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    // |v| < 2^53 needs the high word within +-2^21 (unsigned: below 2^21); the product is then checked.
    const hiMin = kind === 'uint64' ? 0 : -0x200000;
    for (let i = 0; i < n; i++) {
      const hi = words[2 * i + 1]!;
      const v = (hi * 4294967296 + (words[2 * i]! >>> 0)) * factor;
      if (hi < hiMin || hi >= 0x200000 || !(v >= -MAX_EXACT && v <= MAX_EXACT)) {
        if (isNull !== null && isNull[i] === 1) continue;
        return null;
      }
      out[i] = v;
    }
  } else {
    const float = kind === 'float32' || kind === 'float64';
    // int8..uint32 and date32 are always integers; floats only when integral (and not -0), and only unscaled (keys).
    if (!float && (layoutOf(field.type) !== 'fixed' || kind === 'decimal')) return null;
    if (float && factor !== 1) return null;
    for (let i = 0; i < n; i++) {
      const v = values[i]! * factor;
      if (!(v >= -MAX_EXACT && v <= MAX_EXACT) || (float && (!Number.isInteger(v) || Object.is(v, -0)))) {
        if (isNull !== null && isNull[i] === 1) continue;
        return null;
      }
      out[i] = v;
    }
  }
  if (isNull !== null) for (let i = 0; i < n; i++) if (isNull[i] === 1) out[i] = -Infinity;
  return out;
}
