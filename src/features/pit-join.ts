/**
 * The point-in-time join of SPEC section 4, as a pure function over
 * in-memory columns (no I/O).
 *
 * For each spine row with entity keys K and time T, each feature takes the
 * value from the row of its source with keys K and the greatest event time
 * t where t <= T (t < T when `inclusive` is false), t >= T - ttl when the
 * feature has a TTL, and created time <= T when `created_cutoff` is true.
 * Ties on event time go to the greatest created time, then to the row that
 * sorts last by its values in column order. No match gives null. Spine rows
 * are never dropped, merged or duplicated; output order is the spine's order.
 *
 * Algorithm (sort, then binary search; never a nested loop over all rows), per source:
 *   1. drop source rows that can never match (a null key or event time; a
 *      null created time when created_cutoff is on) and sort the rest by
 *      (keys, event time, created time, values in column order): a row's
 *      position is its "rank", and within one key the best candidate is the
 *      one with the greatest rank;
 *   2. give each row an activation time: the least T for which it is
 *      eligible: t (t + 1 when exclusive; times are integers in a common
 *      unit), or max(that, created) with created_cutoff. Eligibility only
 *      grows with T, and the TTL only bounds the chosen row's t;
 *   3. per key group, in activation order, the greatest rank activated so
 *      far (a running maximum). For each spine row, binary search its key's
 *      group, then the last row activated by T: its running maximum is the
 *      answer for T; the TTL then keeps or nulls it per feature. The spine
 *      is never sorted, and the output is in its order by construction.
 * Cost: O(m log m) for sorting the source (skipped when it is stored in
 * rank order, as a feature log keyed by (entity, time) is), O(n log m) for
 * the lookups.
 *
 * The join works on typed columns (typed-columns.ts): keys and times are
 * compared as exact float64 views where every value has one (no BigInt per
 * row), and as JS values (compareValues) otherwise. Output columns are
 * gathered as Arrow buffers (gather-column.ts), never as a value per cell.
 *
 * Times: timestamps (any unit, any zone: values are UTC counts) and dates
 * are compared in the finest unit present; integers compare as integers.
 * Mixing integers with timestamps/dates is a TYPE_ERROR, as is a TTL on
 * integer times (a duration has no meaning there). Key columns must be of
 * the same family on both sides (all integer widths match each other;
 * timestamps compare as instants).
 */
import type * as arrow from 'apache-arrow';
import { FvError } from '../errors/FvError.js';
import { gatherColumn, sourceOrder } from '../table/arrow/gather-column.js';
import type { ColumnarTable } from '../table/arrow/typed-columns.js';
import { columnarFromTableData, tableDataFromColumnar } from '../table/arrow/typed-columns.js';
import type { TableData } from '../table/table-data.js';
import type { Field, FvType, Value } from '../table/types.js';
import { isIntegerKind, typeToString } from '../table/types.js';
import { compareValues } from '../table/values.js';
import type { Comparable } from './comparable.js';
import { cmpMixed, cmpNum, compareAt, keyComparable, timeComparable, UNIT_NANOS, unitOf } from './comparable.js';
import { groupFinder, keyGroups } from './key-groups.js';

/** The tables of a join: TableData for the library's pure function, typed columns inside fv build. */
interface JoinTable {
  fields: Field[];
  rowCount: number;
}

export interface PitSource<T extends JoinTable = TableData> {
  /** A name for messages (the table name). */
  name: string;
  data: T;
  /** Entity key columns to join on (present in the spine too). */
  keys: string[];
  eventTime: string;
  createdTime: string | null;
}

export interface PitColumn {
  /** Output column name. */
  name: string;
  /** Index into `sources`, or 'spine' for a column taken from the spine row itself (a label of the spine source). */
  source: number | 'spine';
  column: string;
  /** Fixed-length duration in nanoseconds, or null for no TTL. */
  ttlNanos: bigint | null;
}

export interface PitSpec<T extends JoinTable = TableData> {
  spine: T;
  spineName: string;
  /** The spine's entity key columns, in output order. */
  spineKeys: string[];
  spineTime: string;
  sources: PitSource<T>[];
  /** Label (if any) first, then the features, in output order. */
  columns: PitColumn[];
  asOf: { inclusive: boolean; created_cutoff: boolean };
}

function fieldIndex(t: JoinTable, name: string, where: string): number {
  const i = t.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new FvError('UNKNOWN_COLUMN', `${where}: no column "${name}"`, { hint: `columns: ${t.fields.map((f) => f.name).join(', ')}` });
  return i;
}

type TimeFamily = 'time' | 'int';

function timeFamily(f: Field, where: string): TimeFamily {
  if (f.type.kind === 'timestamp' || f.type.kind === 'date32') return 'time';
  if (isIntegerKind(f.type)) return 'int';
  throw new FvError('TYPE_ERROR', `${where}: time column "${f.name}" is ${typeToString(f.type)}; a point-in-time join needs a timestamp, date or integer column`);
}

/** Key comparison family of a type: values of one family are comparable after normalisation. */
function keyFamily(t: FvType): string {
  if (isIntegerKind(t)) return 'integer';
  switch (t.kind) {
    case 'float32':
    case 'float64':
      return 'float';
    case 'utf8':
    case 'large_utf8':
      return 'string';
    case 'decimal':
      return `decimal scale ${t.scale}`;
    default:
      return t.kind;
  }
}

/** Rows 0..n-1 without a null in any of `cols` (all of them, without a per-row check, when no column has a null). */
function rowsWithoutNulls(cols: Comparable[], n: number): Int32Array {
  const rows = new Int32Array(n);
  const nullable = cols.filter((c) => c.hasNulls);
  let m = 0;
  for (let r = 0; r < n; r++) {
    let skip = false;
    for (let i = 0; i < nullable.length && !skip; i++) skip = nullable[i]!.isNull(r);
    if (!skip) rows[m++] = r;
  }
  return rows.subarray(0, m);
}

/**
 * True when `rows` is strictly ascending by (keys, time, created) using exact
 * float64 views, so that sorting by rank could not reorder it (ties would
 * need the full value comparison, so they answer false). False whenever a
 * view is missing (values not exactly representable).
 */
function strictlyAscending(rows: Int32Array, keys: Comparable[], time: Comparable, created: Comparable | null): boolean {
  const views = [...keys, time, ...(created === null ? [] : [created])].map((c) => c.fast);
  if (views.some((v) => v === null)) return false;
  const vs = views as Float64Array[];
  for (let p = 1; p < rows.length; p++) {
    const a = rows[p - 1]!;
    const b = rows[p]!;
    let c = 0;
    for (let i = 0; i < vs.length && c === 0; i++) c = cmpNum(vs[i]![a]!, vs[i]![b]!);
    if (c >= 0) return false;
  }
  return true;
}

/** Source rows that can match, in rank order (keys, time, created, then every value in column order). */
function rankedCandidates(d: ColumnarTable, keys: Comparable[], time: Comparable, created: Comparable | null, cutoff: boolean): Int32Array {
  const cand = rowsWithoutNulls([time, ...keys, ...(cutoff ? [created!] : [])], d.rowCount);
  // A source stored keyed by (entity keys, event time), as a feature log
  // usually is, is already in rank order: skip the O(m log m) sort then.
  if (strictlyAscending(cand, keys, time, created)) return cand;
  const order = [...keys, time, ...(created === null ? [] : [created])];
  let rowValues: Value[][] | null = null; // every column's values: only for exact ties
  return cand.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      const c = compareAt(order[i]!, a, order[i]!, b);
      if (c !== 0) return c;
    }
    rowValues ??= tableDataFromColumnar(d).columns;
    for (let i = 0; i < rowValues.length; i++) {
      const c = compareValues(rowValues[i]![a]!, rowValues[i]![b]!);
      if (c !== 0) return c;
    }
    return 0;
  });
}

interface SourceMatch {
  /** Spine row -> matched source row, or -1. */
  match: Int32Array;
  /** Event times of the source rows in the common unit. */
  times: Comparable;
}

/** Runs the join on TableData (the library's pure function) and returns the output table. */
export function pointInTimeJoin(spec: PitSpec): TableData {
  const typed: PitSpec<ColumnarTable> = { ...spec, spine: columnarFromTableData(spec.spine), sources: spec.sources.map((s) => ({ ...s, data: columnarFromTableData(s.data) })) };
  return tableDataFromColumnar(pointInTimeJoinColumnar(typed));
}

/** Runs the join and returns the output table (spine keys, spine time, then `columns`) as canonical columns. */
export function pointInTimeJoinColumnar(spec: PitSpec<ColumnarTable>): ColumnarTable {
  const { spine, asOf } = spec;
  const n = spine.rowCount;
  const spineTimeIdx = fieldIndex(spine, spec.spineTime, `spine ${spec.spineName}`);
  const spineTimeField = spine.fields[spineTimeIdx]!;

  // The common time unit: the finest unit among all time columns involved.
  const family = timeFamily(spineTimeField, `spine ${spec.spineName}`);
  const timeFields: { f: Field; where: string }[] = [{ f: spineTimeField, where: `spine ${spec.spineName}` }];
  for (const s of spec.sources) {
    timeFields.push({ f: s.data.fields[fieldIndex(s.data, s.eventTime, `source ${s.name}`)]!, where: `source ${s.name}` });
    if (s.createdTime !== null) timeFields.push({ f: s.data.fields[fieldIndex(s.data, s.createdTime, `source ${s.name}`)]!, where: `source ${s.name}` });
  }
  let commonNanos = family === 'int' ? 1n : UNIT_NANOS.day;
  for (const { f, where } of timeFields) {
    const fam = timeFamily(f, where);
    if (fam !== family) {
      throw new FvError('TYPE_ERROR', `${where}: time column "${f.name}" is ${typeToString(f.type)} but the spine's "${spineTimeField.name}" is ${typeToString(spineTimeField.type)}`, {
        hint: 'integer times can only be joined with integer times; timestamps and dates with each other',
      });
    }
    const u = unitOf(f.type);
    if (u !== null && UNIT_NANOS[u] < commonNanos) commonNanos = UNIT_NANOS[u];
  }
  const spineT = timeComparable(spineTimeField, spine.columns[spineTimeIdx]!, commonNanos);

  const spineKeyIdx = new Map<string, number>();
  for (const k of spec.spineKeys) spineKeyIdx.set(k, fieldIndex(spine, k, `spine ${spec.spineName}`));
  const spineKeys = new Map<string, Comparable>();
  const spineKeyCol = (k: string): Comparable => {
    let c = spineKeys.get(k);
    if (!c) {
      const i = spineKeyIdx.get(k) ?? fieldIndex(spine, k, `spine ${spec.spineName}`);
      c = keyComparable(spine.fields[i]!, spine.columns[i]!);
      spineKeys.set(k, c);
    }
    return c;
  };

  const used = new Set(spec.columns.filter((c) => c.source !== 'spine').map((c) => c.source as number));
  const matches = new Map<number, SourceMatch>();
  for (const si of used) {
    const s = spec.sources[si]!;
    const where = `source ${s.name}`;
    const d = s.data;
    const keyIdx = s.keys.map((k) => fieldIndex(d, k, where));
    keyIdx.forEach((i, j) => {
      const sf = spine.fields[spineKeyIdx.get(s.keys[j]!) ?? fieldIndex(spine, s.keys[j]!, `spine ${spec.spineName}`)]!;
      const f = d.fields[i]!;
      if (keyFamily(f.type) !== keyFamily(sf.type)) {
        throw new FvError('TYPE_ERROR', `${where}: key column "${f.name}" is ${typeToString(f.type)} but the spine's is ${typeToString(sf.type)}`, { hint: 'entity key columns must have comparable types in every source' });
      }
    });
    const srcKeys = keyIdx.map((i) => keyComparable(d.fields[i]!, d.columns[i]!));
    const tIdx = fieldIndex(d, s.eventTime, where);
    const times = timeComparable(d.fields[tIdx]!, d.columns[tIdx]!, commonNanos);
    const cIdx = s.createdTime === null ? -1 : fieldIndex(d, s.createdTime, where);
    const created = cIdx < 0 ? null : timeComparable(d.fields[cIdx]!, d.columns[cIdx]!, commonNanos);
    const cutoff = asOf.created_cutoff && created !== null;
    const sk = s.keys.map((k) => spineKeyCol(k));

    // 1. candidate rows, ranked by (keys, t, created, values).
    const cand = rankedCandidates(d, srcKeys, times, created, cutoff);
    const m = cand.length;

    // 2. activation times, as float64 when every time involved is an exact
    // float64 integer (the common case: no BigInt per row), else as BigInts.
    // Both kinds compare with < and <=, so the lookups below serve either.
    const ft = times.fast;
    const fc = created === null ? null : created.fast;
    const fst = spineT.fast;
    const numeric = ft !== null && fst !== null && (!cutoff || fc !== null);
    const act: ArrayLike<number | bigint> = numeric ? new Float64Array(m) : new Array<bigint>(m);
    if (numeric) {
      const bump = asOf.inclusive ? 0 : 1;
      const a64 = act as Float64Array;
      for (let p = 0; p < m; p++) {
        const r = cand[p]!;
        let a = ft[r]! + bump;
        if (cutoff && fc![r]! > a) a = fc![r]!;
        a64[p] = a;
      }
    } else {
      const bump = asOf.inclusive ? 0n : 1n;
      const tv = times.values() as bigint[];
      const cv = cutoff ? (created!.values() as bigint[]) : null;
      const abig = act as bigint[];
      for (let p = 0; p < m; p++) {
        const r = cand[p]!;
        let a = tv[r]! + bump;
        if (cv !== null && cv[r]! > a) a = cv[r]!;
        abig[p] = a;
      }
    }
    const spineTimes: ArrayLike<number | bigint> = numeric ? fst : (spineT.values() as bigint[]);

    // Key groups: runs of equal keys in rank order.
    const groupStart = keyGroups(srcKeys, cand);
    const groups = groupStart.length - 1;

    // 3. within each group: activation times in ascending order (ties keep
    // rank order), and the greatest rank activated up to each position.
    // Without the created-time cutoff activation follows rank within a group
    // (t + bump grows with rank), so both are the identity and are skipped.
    let sortedAct = act;
    let bestUpTo: Int32Array | null = null;
    if (cutoff) {
      const sweep = new Int32Array(m);
      for (let p = 0; p < m; p++) sweep[p] = p;
      for (let g = 0; g < groups; g++) sweep.subarray(groupStart[g]!, groupStart[g + 1]!).sort((x, y) => cmpMixed(act[x]!, act[y]!) || x - y);
      const sorted: (number | bigint)[] = new Array(m);
      bestUpTo = new Int32Array(m);
      for (let g = 0; g < groups; g++) {
        let best = -1;
        for (let p = groupStart[g]!; p < groupStart[g + 1]!; p++) {
          sorted[p] = act[sweep[p]!]!;
          bestUpTo[p] = best = Math.max(best, sweep[p]!);
        }
      }
      sortedAct = sorted;
    }

    const finder = groupFinder(srcKeys, cand, groupStart, sk);
    // A source stored in rank order without rows dropped (the usual feature log) needs no cand lookup per match.
    const rowOf = isIdentity(cand, d.rowCount) ? null : cand;
    const match = new Int32Array(n).fill(-1);
    for (const r of rowsWithoutNulls([spineT, ...sk], n)) {
      const first = finder.find(r);
      if (first < 0) continue;
      // The last position of the group activated by T.
      const T = spineTimes[r]!;
      let a = first;
      let b = finder.end;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (sortedAct[mid]! <= T) a = mid + 1;
        else b = mid;
      }
      if (a === first) continue;
      const p = bestUpTo === null ? a - 1 : bestUpTo[a - 1]!;
      match[r] = rowOf === null ? p : rowOf[p]!;
    }
    matches.set(si, { match, times });
  }

  // Output columns.
  const fields: Field[] = [];
  const columns: arrow.Data[] = [];
  const fromSpine = (name: string, i: number): void => {
    const f = { name, type: spine.fields[i]!.type };
    fields.push(f);
    columns.push(gatherColumn(f, spine.columns[i]!, null, n));
  };
  for (const k of spec.spineKeys) fromSpine(k, spineKeyIdx.get(k)!);
  fromSpine(spineTimeField.name, spineTimeIdx);
  // The columns of one source share their rows (matches), and so the order their source rows are read in.
  const orders = new Map<Int32Array, Int32Array>();
  for (const c of spec.columns) {
    if (c.source === 'spine') {
      fromSpine(c.name, fieldIndex(spine, c.column, `spine ${spec.spineName}`));
      continue;
    }
    const s = spec.sources[c.source]!;
    const ci = fieldIndex(s.data, c.column, `source ${s.name}`);
    const { match, times } = matches.get(c.source)!;
    if (c.ttlNanos !== null && family === 'int') {
      throw new FvError('TYPE_ERROR', `${c.name}: a ttl needs timestamp or date event times, but source ${s.name}'s are integers`, { hint: 'remove the ttl, or store the times as timestamps' });
    }
    const rows = c.ttlNanos === null ? match : withinTtl(match, times, spineT, c.ttlNanos / commonNanos);
    let order = orders.get(rows);
    if (order === undefined) orders.set(rows, (order = sourceOrder(rows)));
    const f = { name: c.name, type: s.data.fields[ci]!.type };
    fields.push(f);
    columns.push(gatherColumn(f, s.data.columns[ci]!, rows, n, order));
  }
  return { fields, columns, rowCount: n };
}

/** Whether cand is 0, 1, ..., rows - 1. */
function isIdentity(cand: Int32Array, rows: number): boolean {
  if (cand.length !== rows) return false;
  for (let p = 0; p < rows; p++) if (cand[p] !== p) return false;
  return true;
}

/** `match` with the matches older than `ttl` (t < T - ttl, in the common unit) replaced by -1. */
function withinTtl(match: Int32Array, times: Comparable, spineT: Comparable, ttl: bigint): Int32Array {
  const out = new Int32Array(match.length);
  const ft = times.fast;
  const fst = spineT.fast;
  // T - t of two exact float64 integers is exact up to 2^53 and rounds
  // monotonically beyond, so comparing it with a safe-integer ttl is exact.
  const fastTtl = ft !== null && fst !== null && ttl <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ttl) : null;
  const tv = fastTtl === null ? (times.values() as bigint[]) : null;
  const sv = fastTtl === null ? (spineT.values() as bigint[]) : null;
  for (let r = 0; r < match.length; r++) {
    const j = match[r]!;
    const stale = j >= 0 && (fastTtl !== null ? fst![r]! - ft![j]! > fastTtl : tv![j]! < sv![r]! - ttl);
    out[r] = stale ? -1 : j;
  }
  return out;
}
