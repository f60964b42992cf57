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
 * Algorithm (sort-merge, never a nested loop over all rows), per source:
 *   1. drop source rows that can never match (a null key or event time; a
 *      null created time when created_cutoff is on) and sort the rest by
 *      (keys, event time, created time, values in column order): a row's
 *      position is its "rank", and within one key the best candidate is the
 *      one with the greatest rank;
 *   2. give each row an activation time: the least T for which it is
 *      eligible: t (t + 1 when exclusive; times are integers in a common
 *      unit), or max(that, created) with created_cutoff. Eligibility only
 *      grows with T, and the TTL only bounds the chosen row's t;
 *   3. sort the spine rows by (keys, T) and sweep both lists together: per
 *      key, activate source rows in activation order while activation <= T,
 *      keeping the greatest rank seen. That row is the answer for T; the TTL
 *      then keeps or nulls it per feature.
 * Cost: O((n + m) log(n + m)) for sorting, then linear.
 *
 * Times: timestamps (any unit, any zone: values are UTC counts) and dates
 * are compared in the finest unit present; integers compare as integers.
 * Mixing integers with timestamps/dates is a TYPE_ERROR, as is a TTL on
 * integer times (a duration has no meaning there). Key columns must be of
 * the same family on both sides (all integer widths match each other;
 * timestamps compare as instants).
 */
import { FvError } from '../errors/FvError.js';
import type { TableData } from '../table/table-data.js';
import type { Field, FvType, TimeUnit, Value } from '../table/types.js';
import { isIntegerKind, typeToString } from '../table/types.js';
import { compareValues } from '../table/values.js';

export interface PitSource {
  /** A name for messages (the table name). */
  name: string;
  data: TableData;
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

export interface PitSpec {
  spine: TableData;
  spineName: string;
  /** The spine's entity key columns, in output order. */
  spineKeys: string[];
  spineTime: string;
  sources: PitSource[];
  /** Label (if any) first, then the features, in output order. */
  columns: PitColumn[];
  asOf: { inclusive: boolean; created_cutoff: boolean };
}

const UNIT_NANOS: Record<TimeUnit | 'day', bigint> = { s: 1000000000n, ms: 1000000n, us: 1000n, ns: 1n, day: 86400000000000n };

function fieldIndex(t: TableData, name: string, where: string): number {
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

function unitOf(t: FvType): TimeUnit | 'day' | null {
  return t.kind === 'timestamp' ? t.unit : t.kind === 'date32' ? 'day' : null;
}

/** Time values as bigints in the common unit (null stays null). */
function normTimes(col: Value[], type: FvType, commonNanos: bigint): (bigint | null)[] {
  const u = unitOf(type);
  const factor = u === null ? 1n : UNIT_NANOS[u] / commonNanos;
  const out: (bigint | null)[] = new Array(col.length);
  for (let r = 0; r < col.length; r++) {
    const v = col[r];
    if (v === null || v === undefined) out[r] = null;
    // Multiplying by 1n would allocate a new BigInt per row for nothing.
    else if (typeof v === 'bigint') out[r] = factor === 1n ? v : v * factor;
    else out[r] = BigInt(v as number) * factor;
  }
  return out;
}

/** Key comparison family of a type: values of one family are comparable after normKey. */
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

function normKeys(col: Value[], type: FvType): Value[] {
  if (isIntegerKind(type) && type.kind !== 'int64' && type.kind !== 'uint64') return col.map((v) => (v === null ? null : BigInt(v as number)));
  if (type.kind === 'timestamp') {
    const f = UNIT_NANOS[type.unit];
    return col.map((v) => (v === null ? null : (v as bigint) * f));
  }
  return col;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two numbers or two BigInts (never one of each). */
function cmpMixed(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The column as float64 when every value is null or an integer within
 * +-2^53 (null becomes -Infinity, sorting first as compareValues does), so
 * sorting compares plain numbers; null when that would not be exact.
 */
function fastView(col: readonly Value[]): Float64Array | null {
  const out = new Float64Array(col.length);
  for (let r = 0; r < col.length; r++) {
    const v = col[r];
    if (v === null || v === undefined) out[r] = -Infinity;
    else if (typeof v === 'bigint') {
      if (v > 9007199254740991n || v < -9007199254740991n) return null;
      out[r] = Number(v);
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) return null;
      out[r] = v;
    } else return null;
  }
  return out;
}

/**
 * True when `rows` is strictly ascending by (keys, time, created) using exact
 * float64 views, so that sorting by rank could not reorder it (ties would
 * need the full value comparison, so they answer false). False whenever a
 * view is missing (values not exactly representable).
 */
function strictlyAscending(rows: readonly number[], keys: (Float64Array | null)[], time: Float64Array | null, created: Float64Array | null, hasCreated: boolean): boolean {
  if (time === null || keys.some((k) => k === null) || (hasCreated && created === null)) return false;
  const ks = keys as Float64Array[];
  for (let p = 1; p < rows.length; p++) {
    const a = rows[p - 1]!;
    const b = rows[p]!;
    let c = 0;
    for (let i = 0; i < ks.length && c === 0; i++) c = cmpNum(ks[i]![a]!, ks[i]![b]!);
    if (c === 0) c = cmpNum(time[a]!, time[b]!);
    if (c === 0 && hasCreated) c = cmpNum(created![a]!, created![b]!);
    if (c >= 0) return false;
  }
  return true;
}

function anyNull(cols: Value[][], r: number): boolean {
  for (let i = 0; i < cols.length; i++) if (cols[i]![r] === null) return true;
  return false;
}

function cmpKeyCols(ka: Value[][], a: number, kb: Value[][], b: number): number {
  for (let i = 0; i < ka.length; i++) {
    const c = compareValues(ka[i]![a]!, kb[i]![b]!);
    if (c !== 0) return c;
  }
  return 0;
}

interface SourceMatch {
  /** Spine row -> matched source row, or -1. */
  match: Int32Array;
  /** Event times of the source rows in the common unit. */
  times: (bigint | null)[];
}

/** Runs the join and returns the output table (spine keys, spine time, then `columns`). */
export function pointInTimeJoin(spec: PitSpec): TableData {
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
  const spineT = normTimes(spine.columns[spineTimeIdx]!, spineTimeField.type, commonNanos);

  const spineKeyIdx = new Map<string, number>();
  for (const k of spec.spineKeys) spineKeyIdx.set(k, fieldIndex(spine, k, `spine ${spec.spineName}`));
  const spineKeyNorm = new Map<string, Value[]>();
  const spineKeyCol = (k: string): Value[] => {
    let c = spineKeyNorm.get(k);
    if (!c) {
      const i = spineKeyIdx.get(k) ?? fieldIndex(spine, k, `spine ${spec.spineName}`);
      c = normKeys(spine.columns[i]!, spine.fields[i]!.type);
      spineKeyNorm.set(k, c);
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
    const srcKeys = keyIdx.map((i) => normKeys(d.columns[i]!, d.fields[i]!.type));
    const tIdx = fieldIndex(d, s.eventTime, where);
    const times = normTimes(d.columns[tIdx]!, d.fields[tIdx]!.type, commonNanos);
    const cIdx = s.createdTime === null ? -1 : fieldIndex(d, s.createdTime, where);
    const created = cIdx < 0 ? null : normTimes(d.columns[cIdx]!, d.fields[cIdx]!.type, commonNanos);
    const cutoff = asOf.created_cutoff && created !== null;

    // 1. candidate rows, ranked by (keys, t, created, values).
    const cand: number[] = [];
    for (let r = 0; r < d.rowCount; r++) {
      if (times[r] === null) continue;
      if (anyNull(srcKeys, r)) continue;
      if (cutoff && created![r] === null) continue;
      cand.push(r);
    }
    const cols = d.columns;
    const fk = srcKeys.map(fastView);
    const ft = fastView(times);
    const fc = created === null ? null : fastView(created);
    // A source stored keyed by (entity keys, event time), as a feature log
    // usually is, is already in rank order: skip the O(m log m) sort then.
    if (!strictlyAscending(cand, fk, ft, fc, created !== null)) cand.sort((a, b) => {
      for (let i = 0; i < fk.length; i++) {
        const f = fk[i];
        const k = f ? cmpNum(f[a]!, f[b]!) : compareValues(srcKeys[i]![a]!, srcKeys[i]![b]!);
        if (k !== 0) return k;
      }
      const t = ft ? cmpNum(ft[a]!, ft[b]!) : cmpBig(times[a]!, times[b]!);
      if (t !== 0) return t;
      if (created !== null) {
        const c = fc ? cmpNum(fc[a]!, fc[b]!) : compareValues(created[a]!, created[b]!);
        if (c !== 0) return c;
      }
      for (let i = 0; i < cols.length; i++) {
        const c = compareValues(cols[i]![a]!, cols[i]![b]!);
        if (c !== 0) return c;
      }
      return 0;
    });
    const m = cand.length;
    // 2. activation times, and the sweep order (by keys, then activation).
    // Activation times as float64 when every time involved is an exact
    // float64 integer (the common case: no BigInt per row), else as BigInts.
    // Both kinds compare with < and <=, so the sweep below serves either.
    const fst = fastView(spineT);
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
      const abig = act as bigint[];
      for (let p = 0; p < m; p++) {
        const r = cand[p]!;
        let a = times[r]! + bump;
        if (cutoff && created![r]! > a) a = created![r]!;
        abig[p] = a;
      }
    }
    const spineTimes: ArrayLike<number | bigint> = numeric ? fst : (spineT as bigint[]);
    let sweep: Int32Array = new Int32Array(m);
    for (let p = 0; p < m; p++) sweep[p] = p;
    if (cutoff) {
      // Ranks sorted by keys already; re-sort by (keys, activation), keeping rank order for equal activation.
      const gid = new Int32Array(m);
      for (let q = 1; q < m; q++) gid[q] = gid[q - 1]! + (cmpKeyCols(srcKeys, cand[q - 1]!, srcKeys, cand[q]!) !== 0 ? 1 : 0);
      const arr = Array.from(sweep);
      arr.sort((x, y) => gid[x]! - gid[y]! || cmpMixed(act[x]!, act[y]!) || x - y);
      sweep = Int32Array.from(arr);
    }

    // 3. spine rows by (keys, T), then the sweep.
    const sk = s.keys.map((k) => spineKeyCol(k));
    const match = new Int32Array(n).fill(-1);
    const sp: number[] = [];
    for (let r = 0; r < n; r++) if (spineT[r] !== null && !anyNull(sk, r)) sp.push(r);
    const fsk = sk.map(fastView);
    // Key comparisons of the sweep: as float64 where both sides have an exact view.
    const srcVsSpine = (a: number, b: number): number => {
      for (let i = 0; i < sk.length; i++) {
        const fa = fk[i];
        const fb = fsk[i];
        const k = fa && fb ? cmpNum(fa[a]!, fb[b]!) : compareValues(srcKeys[i]![a]!, sk[i]![b]!);
        if (k !== 0) return k;
      }
      return 0;
    };
    const spineVsSpine = (a: number, b: number): number => {
      for (let i = 0; i < sk.length; i++) {
        const f = fsk[i];
        const k = f ? cmpNum(f[a]!, f[b]!) : compareValues(sk[i]![a]!, sk[i]![b]!);
        if (k !== 0) return k;
      }
      return 0;
    };
    sp.sort((a, b) => {
      for (let i = 0; i < fsk.length; i++) {
        const f = fsk[i];
        const k = f ? cmpNum(f[a]!, f[b]!) : compareValues(sk[i]![a]!, sk[i]![b]!);
        if (k !== 0) return k;
      }
      return (fst ? cmpNum(fst[a]!, fst[b]!) : cmpBig(spineT[a]!, spineT[b]!)) || a - b;
    });
    let g = 0; // start of the current key group in sweep order
    let p = 0; // next row of the group to activate
    let best = -1;
    let prev = -1;
    for (const r of sp) {
      if (prev < 0 || spineVsSpine(prev, r) !== 0) {
        g = p;
        while (g < m && srcVsSpine(cand[sweep[g]!]!, r) < 0) g++;
        p = g;
        best = -1;
        prev = r;
      }
      const T = spineTimes[r]!;
      while (p < m && act[sweep[p]!]! <= T && srcVsSpine(cand[sweep[p]!]!, r) === 0) {
        if (sweep[p]! > best) best = sweep[p]!;
        p++;
      }
      if (best >= 0) match[r] = cand[best]!;
    }
    matches.set(si, { match, times });
  }

  // Output columns.
  const fields: Field[] = [];
  const columns: Value[][] = [];
  for (const k of spec.spineKeys) {
    const i = spineKeyIdx.get(k)!;
    fields.push({ name: k, type: spine.fields[i]!.type });
    columns.push(spine.columns[i]!.slice(0, n));
  }
  fields.push({ name: spineTimeField.name, type: spineTimeField.type });
  columns.push(spine.columns[spineTimeIdx]!.slice(0, n));
  for (const c of spec.columns) {
    if (c.source === 'spine') {
      const i = fieldIndex(spine, c.column, `spine ${spec.spineName}`);
      fields.push({ name: c.name, type: spine.fields[i]!.type });
      columns.push(spine.columns[i]!.slice(0, n));
      continue;
    }
    const s = spec.sources[c.source]!;
    const ci = fieldIndex(s.data, c.column, `source ${s.name}`);
    const src = s.data.columns[ci]!;
    const { match, times } = matches.get(c.source)!;
    if (c.ttlNanos !== null && family === 'int') {
      throw new FvError('TYPE_ERROR', `${c.name}: a ttl needs timestamp or date event times, but source ${s.name}'s are integers`, { hint: 'remove the ttl, or store the times as timestamps' });
    }
    const ttl = c.ttlNanos === null ? null : c.ttlNanos / commonNanos;
    const out: Value[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const j = match[r]!;
      if (j < 0) out[r] = null;
      else if (ttl !== null && times[j]! < spineT[r]! - ttl) out[r] = null;
      else out[r] = src[j]!;
    }
    fields.push({ name: c.name, type: s.data.fields[ci]!.type });
    columns.push(out);
  }
  return { fields, columns, rowCount: n };
}
