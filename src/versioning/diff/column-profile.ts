/**
 * Column profiles for `fv diff --stats`: one streaming pass over a table's
 * chunks per side, with bounded memory per column, then a comparison of the
 * two sides.
 *
 * Per column: count (rows), nulls, distinct, min, max, mean and stdev
 * (Welford; sample stdev, n - 1), quantiles p1/p25/p50/p75/p99 (linear
 * interpolation, numpy's default), the top 5 categories (strings, bools,
 * binary) and a 10-bin histogram (numeric and temporal columns; equal-width
 * bins over the before side's min..max, values outside clamped to the end
 * bins). Between the sides: PSI and KS for numeric columns (the same
 * figures the `drift` check computes, PSI over 10 bins cut at the before
 * side's quantiles), PSI over categories for the others.
 *
 * Bounds (ProfileLimits):
 *   distinct: exact while a column has at most `distinctExact` (100,000)
 *     distinct values; beyond, a HyperLogLog estimate (2^14 registers,
 *     about 0.8% standard error) and `distinctExact: false`.
 *   numeric values: held exactly up to `values` (200,000) per column; beyond,
 *     a deterministic reservoir sample of that size (seeded PRNG, so the
 *     same table always gives the same figures) and `sampled: true`:
 *     quantiles, the histogram, PSI and KS then come from the sample;
 *     count, nulls, min, max, mean and stdev are always exact.
 *   categories: counted exactly for the first `distinctExact` distinct
 *     values; later new values are counted together as one "other" bucket
 *     and `topExact: false`.
 * Timestamps and dates are numeric through their integer value (units since
 * the epoch, days for dates) and shown as dates; their stdev is in that unit.
 * NaN is counted as a value but left out of the numeric figures.
 */
import { isNumericType, NumberColumn, quantileSorted, toNumber } from '../../checks/check.js';
import { chiSquareCategories, ksStatistic, psiCategories, psiNumeric } from '../../checks/drift-math.js';
import type { Json } from '../../table/canonical-json.js';
import type { TableData } from '../../table/table-data.js';
import type { Field, FvType, Value } from '../../table/types.js';
import { typeToString } from '../../table/types.js';
import { QUANTILES, QUANTILE_NAMES } from './quantile-names.js';
import { formatValue, valueToJson } from '../../table/values.js';

export interface ProfileLimits {
  distinctExact: number;
  values: number;
}

export const DEFAULT_LIMITS: ProfileLimits = { distinctExact: 100_000, values: 200_000 };
export const HISTOGRAM_BINS = 10;
export const PSI_BINS = 10;
export const TOP_CATEGORIES = 5;
export { QUANTILES, QUANTILE_NAMES };

export type ProfileKind = 'numeric' | 'temporal' | 'categorical';

export interface ColumnStats {
  type: string;
  kind: ProfileKind;
  count: number;
  nulls: number;
  distinct: number;
  distinctExact: boolean;
  /** JSON form of the column's values (ISO strings for dates and timestamps). */
  min: Json;
  max: Json;
  mean: Json;
  stdev: number | null;
  quantiles: Record<(typeof QUANTILE_NAMES)[number], Json> | null;
  top: { value: string; count: number }[] | null;
  topExact: boolean;
  /** Counts in HISTOGRAM_BINS equal-width bins over `histogramRange` (numeric and temporal columns). */
  histogram: number[] | null;
  histogramRange: [number, number] | null;
  /** Quantiles, histogram, PSI and KS come from a reservoir sample. */
  sampled: boolean;
}

export interface ColumnStatsDiff {
  before: ColumnStats | null;
  after: ColumnStats | null;
  psi: number | null;
  ks: number | null;
  /** Pearson's chi-square statistic over the categories (categorical columns). */
  chi2: number | null;
}

export function profileKind(t: FvType): ProfileKind {
  if (isNumericType(t)) return 'numeric';
  if (t.kind === 'timestamp' || t.kind === 'date32') return 'temporal';
  return 'categorical';
}

function asNumber(v: Value, t: FvType): number | null {
  if (v === null) return null;
  if (t.kind === 'timestamp') return Number(v as bigint);
  if (t.kind === 'date32') return v as number;
  return toNumber(v, t);
}

function fromNumber(x: number, t: FvType): Json {
  if (t.kind === 'timestamp') return valueToJson(BigInt(Math.round(x)), t);
  if (t.kind === 'date32') return valueToJson(Math.round(x), t);
  return x;
}

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A HyperLogLog sketch with 2^14 registers over a 32-bit hash. */
export class HyperLogLog {
  private static readonly P = 14;
  private readonly reg = new Uint8Array(1 << HyperLogLog.P);
  add(key: string): void {
    const h = hash32(key);
    const idx = h >>> (32 - HyperLogLog.P);
    const rest = (h << HyperLogLog.P) >>> 0;
    const rank = rest === 0 ? 32 - HyperLogLog.P + 1 : Math.clz32(rest) + 1;
    if (rank > this.reg[idx]!) this.reg[idx] = rank;
  }
  estimate(): number {
    const m = this.reg.length;
    let sum = 0, zeros = 0;
    for (const r of this.reg) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    let e = (alpha * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * Math.log(m / zeros);
    else if (e > 2 ** 32 / 30) e = -(2 ** 32) * Math.log(1 - e / 2 ** 32);
    return Math.round(e);
  }
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Numeric values: exact up to `limit`, then a uniform reservoir sample of `limit` (Algorithm R, seeded). */
class ValueSample {
  private exact: NumberColumn | null = new NumberColumn();
  private reservoir: Float64Array | null = null;
  private seen = 0;
  private readonly rand = prng(0x5eed);
  constructor(private readonly limit: number) {}
  get sampled(): boolean {
    return this.reservoir !== null;
  }
  push(x: number): void {
    this.seen++;
    if (this.exact !== null) {
      if (this.exact.length < this.limit) return this.exact.push(x);
      // Keep a uniform sample of the first `seen - 1` values, then go on with Algorithm R.
      const all = this.exact.sorted();
      for (let i = 0; i < this.limit; i++) {
        const j = i + Math.floor(this.rand() * (all.length - i));
        const t = all[i]!;
        all[i] = all[j]!;
        all[j] = t;
      }
      this.reservoir = all.slice(0, this.limit);
      this.exact = null;
    }
    const j = Math.floor(this.rand() * this.seen);
    if (j < this.limit) this.reservoir![j] = x;
  }
  sorted(): Float64Array {
    return this.exact !== null ? this.exact.sorted() : this.reservoir!.slice().sort();
  }
}

const OTHER = '\u0000other';

/** Streams one column's values; `finish` gives the profile given the histogram range. */
export class ColumnAccumulator {
  readonly kind: ProfileKind;
  count = 0;
  nulls = 0;
  private distinctSet: Set<unknown> | null = new Set();
  private hll: HyperLogLog | null = null;
  private min: Value = null;
  private max: Value = null;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  readonly values: ValueSample | null;
  readonly categories: Map<string, number> | null;
  private overflow = false;

  constructor(readonly field: Field, private readonly limits: ProfileLimits = DEFAULT_LIMITS) {
    this.kind = profileKind(field.type);
    this.values = this.kind === 'categorical' ? null : new ValueSample(limits.values);
    this.categories = this.kind === 'categorical' ? new Map() : null;
  }

  add(col: Value[], rows: number): void {
    const t = this.field.type;
    const binary = t.kind === 'binary';
    for (let r = 0; r < rows; r++) {
      const v = col[r]!;
      this.count++;
      if (v === null) {
        this.nulls++;
        continue;
      }
      const key = binary ? formatValue(v, t) : v;
      if (this.distinctSet !== null) {
        this.distinctSet.add(key);
        if (this.distinctSet.size > this.limits.distinctExact) {
          this.hll = new HyperLogLog();
          for (const k of this.distinctSet) this.hll.add(String(k));
          this.distinctSet = null;
        }
      } else this.hll!.add(String(key));
      if (!binary && (this.min === null || v < this.min)) this.min = v;
      if (!binary && (this.max === null || v > this.max)) this.max = v;
      if (this.categories !== null) {
        const c = formatValue(v, t);
        const had = this.categories.get(c);
        if (had !== undefined) this.categories.set(c, had + 1);
        else if (this.categories.size < this.limits.distinctExact) this.categories.set(c, 1);
        else {
          this.overflow = true;
          this.categories.set(OTHER, (this.categories.get(OTHER) ?? 0) + 1);
        }
        continue;
      }
      const x = asNumber(v, t)!;
      if (Number.isNaN(x)) continue;
      this.n++;
      const delta = x - this.mean;
      this.mean += delta / this.n;
      this.m2 += delta * (x - this.mean);
      this.values!.push(x);
    }
  }

  /** The numeric range of the values (null without any). */
  range(): [number, number] | null {
    if (this.values === null || this.n === 0) return null;
    const s = this.sorted();
    return [s[0]!, s[s.length - 1]!];
  }

  private sortedCache: Float64Array | null = null;
  sorted(): Float64Array {
    this.sortedCache ??= this.values!.sorted();
    return this.sortedCache;
  }

  finish(histogramRange: [number, number] | null): ColumnStats {
    const t = this.field.type;
    const numericLike = this.values !== null;
    const s = numericLike ? this.sorted() : null;
    let quantiles: ColumnStats['quantiles'] = null;
    let histogram: number[] | null = null;
    if (s !== null && s.length > 0) {
      quantiles = Object.fromEntries(QUANTILE_NAMES.map((name, i) => [name, fromNumber(quantileSorted(s, QUANTILES[i]!)!, t)])) as ColumnStats['quantiles'];
      if (histogramRange !== null) histogram = histogramOf(s, histogramRange);
    }
    let top: ColumnStats['top'] = null;
    if (this.categories !== null) {
      top = [...this.categories].filter(([k]) => k !== OTHER).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, TOP_CATEGORIES).map(([value, count]) => ({ value, count }));
    }
    return {
      type: typeToString(t),
      kind: this.kind,
      count: this.count,
      nulls: this.nulls,
      distinct: this.distinctSet !== null ? this.distinctSet.size : this.hll!.estimate(),
      distinctExact: this.distinctSet !== null,
      min: this.min === null ? null : valueToJson(this.min, t),
      max: this.max === null ? null : valueToJson(this.max, t),
      mean: numericLike && this.n > 0 ? fromNumber(this.mean, t) : null,
      stdev: numericLike && this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : null,
      quantiles,
      top,
      topExact: !this.overflow,
      histogram,
      histogramRange: histogram === null ? null : histogramRange,
      sampled: this.values?.sampled ?? false,
    };
  }
}

/** Counts of sorted values in HISTOGRAM_BINS equal-width bins over [lo, hi]; outside values clamp to the end bins. */
export function histogramOf(sorted: Float64Array, [lo, hi]: [number, number]): number[] {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  const width = (hi - lo) / HISTOGRAM_BINS;
  for (const x of sorted) {
    let k = width > 0 ? Math.floor((x - lo) / width) : x > lo ? HISTOGRAM_BINS - 1 : 0;
    if (k < 0) k = 0;
    if (k >= HISTOGRAM_BINS) k = HISTOGRAM_BINS - 1;
    counts[k]!++;
  }
  return counts;
}

export type TableProfile = Map<string, ColumnAccumulator>;

/** One pass over a table's chunks. */
export async function profileTable(fields: Field[], chunks: AsyncIterable<TableData>, limits: ProfileLimits = DEFAULT_LIMITS): Promise<TableProfile> {
  const accs = fields.map((f) => new ColumnAccumulator(f, limits));
  for await (const d of chunks) {
    for (let i = 0; i < accs.length; i++) accs[i]!.add(d.columns[i]!, d.rowCount);
  }
  return new Map(accs.map((a) => [a.field.name, a]));
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Per column (before's order, then columns only after has): both profiles and PSI / KS. */
export function compareProfiles(before: TableProfile | null, after: TableProfile | null): Record<string, ColumnStatsDiff> {
  const names = [...new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])];
  const out: Record<string, ColumnStatsDiff> = {};
  for (const name of names) {
    const b = before?.get(name) ?? null;
    const a = after?.get(name) ?? null;
    const range = b?.range() ?? a?.range() ?? null;
    let psi: number | null = null, ks: number | null = null, chi2: number | null = null;
    if (b !== null && a !== null) {
      if (b.values !== null && a.values !== null && b.kind === a.kind) {
        const bs = b.sorted(), as = a.sorted();
        if (bs.length > 0 && as.length > 0) {
          psi = finite(psiNumeric(bs, as, PSI_BINS));
          ks = finite(ksStatistic(bs, as));
        }
      } else if (b.categories !== null && a.categories !== null && b.categories.size > 0 && a.categories.size > 0) {
        psi = finite(psiCategories(b.categories, a.categories));
        chi2 = finite(chiSquareCategories(b.categories, a.categories).chi2);
      }
    }
    out[name] = { before: b?.finish(range) ?? null, after: a?.finish(range) ?? null, psi, ks, chi2 };
  }
  return out;
}
