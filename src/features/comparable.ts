/**
 * Columns as the point-in-time join compares them (pit-join.ts): keys and
 * times as exact float64 views where every value has one, as normalised JS
 * values otherwise, with one order for both.
 */
import type * as arrow from 'apache-arrow';
import { columnValues, exactNumbers, bitAt, nullBitmapOf } from '../table/arrow/typed-columns.js';
import type { Field, FvType, TimeUnit, Value } from '../table/types.js';
import { isIntegerKind } from '../table/types.js';
import { compareValues } from '../table/values.js';

export const UNIT_NANOS: Record<TimeUnit | 'day', bigint> = { s: 1000000000n, ms: 1000000n, us: 1000n, ns: 1n, day: 86400000000000n };

export function unitOf(t: FvType): TimeUnit | 'day' | null {
  return t.kind === 'timestamp' ? t.unit : t.kind === 'date32' ? 'day' : null;
}

/**
 * One column as the join compares it: `fast` holds exact float64s (null as
 * -Infinity, sorting first as compareValues puts null) when every value has
 * one; otherwise `values()` gives normalised JS values, made on first use
 * only. Both orders agree, so either side of a comparison may use either.
 */
export class Comparable {
  readonly fast: Float64Array | null;
  private readonly nulls: Uint8Array | null;
  private normalised: Value[] | null = null;

  /** `scale`: multiplier into the common unit (BigInt for values(), its number for the fast view). */
  constructor(
    private readonly field: Field,
    private readonly data: arrow.Data,
    private readonly scale: bigint,
  ) {
    this.fast = exactNumbers(field, data, Number(scale));
    this.nulls = nullBitmapOf(data);
  }

  get hasNulls(): boolean {
    return this.nulls !== null;
  }

  isNull(r: number): boolean {
    return this.nulls !== null && !bitAt(this.nulls, this.data.offset + r);
  }

  /** Integers (any width) and timestamps as BigInts in the common unit, other values as they are. */
  values(): Value[] {
    if (this.normalised === null) {
      const t = this.field.type;
      const raw = columnValues(this.field, this.data);
      const integral = isIntegerKind(t) || t.kind === 'timestamp' || t.kind === 'date32';
      const scale = this.scale;
      this.normalised = integral ? raw.map((v) => (v === null ? null : scale === 1n ? BigInt(v as number | bigint) : BigInt(v as number | bigint) * scale)) : raw;
    }
    return this.normalised;
  }
}

export function keyComparable(f: Field, d: arrow.Data): Comparable {
  // Timestamps as keys compare as instants: in nanoseconds.
  return new Comparable(f, d, f.type.kind === 'timestamp' ? UNIT_NANOS[f.type.unit] : 1n);
}

export function timeComparable(f: Field, d: arrow.Data, commonNanos: bigint): Comparable {
  const u = unitOf(f.type);
  return new Comparable(f, d, u === null ? 1n : UNIT_NANOS[u] / commonNanos);
}

export function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two numbers or two BigInts (never one of each). */
export function cmpMixed(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Row a of `x` against row b of `y`: float64 when both sides have exact views, else by value. */
export function compareAt(x: Comparable, a: number, y: Comparable, b: number): number {
  const fx = x.fast;
  const fy = y.fast;
  if (fx !== null && fy !== null) return cmpNum(fx[a]!, fy[b]!);
  return compareValues(x.values()[a]!, y.values()[b]!);
}

export function compareKeys(xs: Comparable[], a: number, ys: Comparable[], b: number): number {
  for (let i = 0; i < xs.length; i++) {
    const c = compareAt(xs[i]!, a, ys[i]!, b);
    if (c !== 0) return c;
  }
  return 0;
}
