/**
 * features.json: entities, sources, features, labels, training sets and
 * data checks, as plain JSON data (SPEC section 4; docs/DEFINITIONS.md).
 *
 * `parseDefinitions` is a pure function from bytes to validated, typed
 * definitions. Every error is FvError('BAD_DEFINITIONS') naming the file and
 * the JSON path, e.g. `features.json: training_sets.churn.features[2]:
 * unknown feature "user.age"`. Named collections are Maps (never plain
 * objects), so keys such as "__proto__" are ordinary names.
 * `loadDefinitions` reads the file from the work tree (working state) or the
 * commit at a rev, and checks column references against the tables there.
 */
import { FvError, isFvError } from '../errors/FvError.js';
import { parseType, typeToString } from '../table/types.js';
import { DEFINITIONS_FILE } from '../versioning/layout.js';
import type { RepoContext } from '../api/context.js';
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';

export type Severity = 'error' | 'warn';

export const CHECK_TYPES = [
  'not_null', 'unique', 'between', 'in_set', 'not_in_set', 'regex', 'length_between', 'column_type', 'schema',
  'row_count', 'row_count_change', 'stat_between', 'freshness', 'missing_percent', 'drift',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** Checks that judge rows one by one: they count failing rows and honour `mostly`. */
export const ROW_CHECKS: ReadonlySet<CheckType> = new Set<CheckType>(['not_null', 'unique', 'between', 'in_set', 'not_in_set', 'regex', 'length_between']);

export type Scalar = string | number | boolean | null;

export interface EntityDef { name: string; keys: string[] }
export interface SourceDef { name: string; table: string; entities: string[]; event_time: string; created_time: string | null }
export interface FeatureDef {
  name: string;
  source: string;
  column: string;
  ttl: Duration | null;
  /** The declared type (canonical name, as `fv show` prints it), checked against the column where the table exists. */
  type: string | null;
}
export interface LabelDef { name: string; source: string; column: string }
export interface TrainingSetDef { name: string; spine: string; label: string | null; features: string[]; as_of: { inclusive: boolean; created_cutoff: boolean } }

export interface CheckDef {
  table: string;
  /** JSON path of the check in the file, e.g. `checks.user_stats[0]`. */
  path: string;
  id: string;
  type: CheckType;
  severity: Severity;
  /** Fraction of rows that must pass (row checks); 1 by default. */
  mostly: number;
  column?: string;
  columns?: string[];
  min?: number | string;
  max?: number | string;
  strict_min?: boolean;
  strict_max?: boolean;
  values?: Scalar[];
  pattern?: string;
  /** column_type: the canonical type name. */
  expected?: string;
  allow_extra?: boolean;
  max_ratio?: number;
  reference?: string;
  stat?: 'mean' | 'stdev' | 'min' | 'max' | 'quantile';
  q?: number;
  max_age?: Duration;
  method?: 'psi' | 'ks' | 'chi2';
  threshold?: number;
  bins?: number;
}

export interface Definitions {
  entities: Map<string, EntityDef>;
  sources: Map<string, SourceDef>;
  features: Map<string, FeatureDef>;
  labels: Map<string, LabelDef>;
  training_sets: Map<string, TrainingSetDef>;
  /** Table name -> its checks, in file order. */
  checks: Map<string, CheckDef[]>;
}

export function emptyDefinitions(): Definitions {
  return { entities: new Map(), sources: new Map(), features: new Map(), labels: new Map(), training_sets: new Map(), checks: new Map() };
}

export interface ParseOptions {
  /** The file name used in messages (default features.json). */
  file?: string;
  /** Column names of the tables that exist where the definitions are checked; undefined skips column checks. */
  tables?: Map<string, string[]>;
  /** Column types of those tables (by table, then column), for declared feature types; undefined skips type checks. */
  types?: Map<string, Map<string, string>>;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_BYTES = 64 * 1024 * 1024;

type Obj = { readonly [k: string]: unknown };

class Ctx {
  constructor(readonly file: string) {}
  fail(path: string, msg: string, hint?: string): never {
    throw new FvError('BAD_DEFINITIONS', `${this.file}: ${path ? path + ': ' : ''}${msg}`, { hint, data: { path } });
  }
}

/** `a.b`, `a["x y"]`, `a[3]`. */
export function jsonPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function what(v: unknown): string {
  // A literal beyond float64 (1e999) parses as Infinity, which JSON.stringify would show as "null".
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number out of range';
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function obj(c: Ctx, v: unknown, path: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) c.fail(path, `expected an object, got ${what(v)}`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k) && k !== 'description') c.fail(jsonPath(path, k), `unknown field "${k}"`, `fields here: ${allowed.join(', ')}`);
  }
  return v;
}

function get(o: Obj, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function str(c: Ctx, o: Obj, k: string, path: string, required: true): string;
function str(c: Ctx, o: Obj, k: string, path: string, required: false): string | undefined;
function str(c: Ctx, o: Obj, k: string, path: string, required: boolean): string | undefined {
  const v = get(o, k);
  const p = jsonPath(path, k);
  if (v === undefined) return required ? c.fail(p, 'is required') : undefined;
  if (typeof v !== 'string' || v.length === 0) c.fail(p, `expected a non-empty string, got ${what(v)}`);
  return v;
}

function bool(c: Ctx, o: Obj, k: string, path: string, required: boolean): boolean | undefined {
  const v = get(o, k);
  const p = jsonPath(path, k);
  if (v === undefined) return required ? c.fail(p, 'is required (true or false)') : undefined;
  if (typeof v !== 'boolean') c.fail(p, `expected true or false, got ${what(v)}`);
  return v;
}

function num(c: Ctx, o: Obj, k: string, path: string, opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {}): number | undefined {
  const v = get(o, k);
  const p = jsonPath(path, k);
  if (v === undefined) return opts.required ? c.fail(p, 'is required') : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) c.fail(p, `expected a number, got ${what(v)}`);
  if (opts.integer && !Number.isInteger(v)) c.fail(p, `expected an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) c.fail(p, `must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) c.fail(p, `must be <= ${opts.max}, got ${v}`);
  return v;
}

function strList(c: Ctx, o: Obj, k: string, path: string, opts: { required?: boolean; nonEmpty?: boolean } = {}): string[] | undefined {
  const v = get(o, k);
  const p = jsonPath(path, k);
  if (v === undefined) return opts.required ? c.fail(p, 'is required') : undefined;
  if (!Array.isArray(v)) c.fail(p, `expected an array of strings, got ${what(v)}`);
  if (opts.nonEmpty && v.length === 0) c.fail(p, 'must not be empty');
  const seen = new Set<string>();
  v.forEach((x, i) => {
    if (typeof x !== 'string' || x.length === 0) c.fail(jsonPath(p, i), `expected a non-empty string, got ${what(x)}`);
    if (seen.has(x)) c.fail(jsonPath(p, i), `"${x}" is listed twice`);
    seen.add(x);
  });
  return v as string[];
}

/** Iterates a named collection (`{"name": {...}}`), checking each name. */
function named(c: Ctx, root: Obj, k: string, fn: (name: string, v: unknown, path: string) => void): void {
  const v = get(root, k);
  if (v === undefined) return;
  if (!isObj(v)) c.fail(k, `expected an object of named entries, got ${what(v)}`);
  for (const name of Object.keys(v)) {
    const p = jsonPath(k, name);
    if (!NAME.test(name)) c.fail(p, `invalid name ${JSON.stringify(name)}`, 'names are 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"');
    fn(name, v[name], p);
  }
}

function closest(word: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return 99;
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length]!;
}

function ref(c: Ctx, known: Map<string, unknown>, kind: string, name: string, path: string): void {
  if (known.has(name)) return;
  const guess = closest(name, known.keys());
  c.fail(path, `unknown ${kind} ${JSON.stringify(name)}`, guess ? `did you mean "${guess}"?` : known.size ? `${kind}s: ${[...known.keys()].slice(0, 20).join(', ')}` : `no ${kind}s are defined`);
}

function column(c: Ctx, tables: Map<string, string[]> | undefined, table: string, col: string, path: string): void {
  const cols = tables?.get(table);
  if (cols && !cols.includes(col)) {
    const guess = closest(col, cols);
    c.fail(path, `no column ${JSON.stringify(col)} in table ${table}`, guess ? `did you mean "${guess}"?` : `columns: ${cols.slice(0, 30).join(', ')}`);
  }
}

/** The canonical spelling of a declared type (`int` -> `int64`, ...), or a failure at `path`. */
function declaredType(c: Ctx, text: string, path: string): string {
  try {
    return typeToString(parseType(text));
  } catch (e) {
    if (isFvError(e)) c.fail(path, e.message, e.hint);
    throw e;
  }
}

const TOP = ['entities', 'sources', 'features', 'labels', 'training_sets', 'checks', 'version', '$schema'];

/** Validates features.json (bytes or text) and returns typed definitions. */
export function parseDefinitions(input: string | Uint8Array, opts: ParseOptions = {}): Definitions {
  const c: Ctx = new Ctx(opts.file ?? DEFINITIONS_FILE);
  if (input.length > MAX_BYTES) c.fail('', `is larger than ${MAX_BYTES / 1024 / 1024} MiB`);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = e instanceof SyntaxError ? e.message.replace(/^JSON\.parse: /, '') : 'nested too deeply';
    c.fail('', `not valid JSON (${m})`);
  }
  const root = obj(c, raw, '', TOP);
  const tables = opts.tables;
  const d = emptyDefinitions();

  named(c, root, 'entities', (name, v, p) => {
    const o = obj(c, v, p, ['keys']);
    d.entities.set(name, { name, keys: strList(c, o, 'keys', p, { required: true, nonEmpty: true })! });
  });

  named(c, root, 'sources', (name, v, p) => {
    const o = obj(c, v, p, ['table', 'entities', 'event_time', 'created_time']);
    const table = str(c, o, 'table', p, true);
    if (!NAME.test(table) || table.includes('..')) c.fail(jsonPath(p, 'table'), `invalid table name ${JSON.stringify(table)}`);
    const entities = strList(c, o, 'entities', p, { required: true, nonEmpty: true })!;
    entities.forEach((e, i) => {
      ref(c, d.entities, 'entity', e, jsonPath(jsonPath(p, 'entities'), i));
      for (const k of d.entities.get(e)!.keys) column(c, tables, table, k, jsonPath(jsonPath(p, 'entities'), i));
    });
    const event_time = str(c, o, 'event_time', p, true);
    column(c, tables, table, event_time, jsonPath(p, 'event_time'));
    const created_time = str(c, o, 'created_time', p, false) ?? null;
    if (created_time !== null) column(c, tables, table, created_time, jsonPath(p, 'created_time'));
    d.sources.set(name, { name, table, entities, event_time, created_time });
  });

  named(c, root, 'features', (name, v, p) => {
    const o = obj(c, v, p, ['source', 'column', 'ttl', 'type']);
    const source = str(c, o, 'source', p, true);
    ref(c, d.sources, 'source', source, jsonPath(p, 'source'));
    const col = str(c, o, 'column', p, true);
    const table = d.sources.get(source)!.table;
    column(c, tables, table, col, jsonPath(p, 'column'));
    const typeText = str(c, o, 'type', p, false);
    let type: string | null = null;
    if (typeText !== undefined) {
      type = declaredType(c, typeText, jsonPath(p, 'type'));
      const actual = opts.types?.get(table)?.get(col);
      if (actual !== undefined && actual !== type) {
        c.fail(jsonPath(p, 'type'), `declared ${type}, but column "${col}" of table ${table} is ${actual}`, 'fix the declaration, or re-import the table with --types to fix the column type');
      }
    }
    const ttlText = str(c, o, 'ttl', p, false);
    let ttl: Duration | null = null;
    if (ttlText !== undefined) {
      const r = parseDuration(ttlText);
      if ('error' in r) c.fail(jsonPath(p, 'ttl'), `bad duration ${JSON.stringify(ttlText)}: ${r.error}`);
      ttl = r;
    }
    d.features.set(name, { name, source, column: col, ttl, type });
  });

  named(c, root, 'labels', (name, v, p) => {
    const o = obj(c, v, p, ['source', 'column']);
    const source = str(c, o, 'source', p, true);
    ref(c, d.sources, 'source', source, jsonPath(p, 'source'));
    const col = str(c, o, 'column', p, true);
    column(c, tables, d.sources.get(source)!.table, col, jsonPath(p, 'column'));
    d.labels.set(name, { name, source, column: col });
  });

  named(c, root, 'training_sets', (name, v, p) => {
    const o = obj(c, v, p, ['spine', 'label', 'features', 'as_of']);
    const spine = str(c, o, 'spine', p, true);
    ref(c, d.sources, 'source', spine, jsonPath(p, 'spine'));
    const spineSrc = d.sources.get(spine)!;
    const spineCols = new Set<string>([...spineSrc.entities.flatMap((e) => d.entities.get(e)!.keys), spineSrc.event_time]);
    const outputs = new Set<string>();
    const label = str(c, o, 'label', p, false) ?? null;
    if (label !== null) {
      ref(c, d.labels, 'label', label, jsonPath(p, 'label'));
      if (spineCols.has(label)) c.fail(jsonPath(p, 'label'), `label name "${label}" collides with a column of the spine`);
      outputs.add(label);
    }
    const features = strList(c, o, 'features', p, { required: true, nonEmpty: true })!;
    features.forEach((f, i) => {
      const fp = jsonPath(jsonPath(p, 'features'), i);
      ref(c, d.features, 'feature', f, fp);
      const src = d.sources.get(d.features.get(f)!.source)!;
      const missing = src.entities.find((e) => !spineSrc.entities.includes(e));
      if (missing !== undefined) c.fail(fp, `feature "${f}" is keyed by entity "${missing}", which the spine "${spine}" does not have`);
      if (spineCols.has(f) || outputs.has(f)) c.fail(fp, `feature name "${f}" collides with another output column`);
      outputs.add(f);
    });
    const asOfPath = jsonPath(p, 'as_of');
    if (get(o, 'as_of') === undefined) c.fail(asOfPath, 'is required: write it out in full, e.g. {"inclusive": true, "created_cutoff": false}');
    const a = obj(c, get(o, 'as_of'), asOfPath, ['inclusive', 'created_cutoff']);
    const as_of = { inclusive: bool(c, a, 'inclusive', asOfPath, true)!, created_cutoff: bool(c, a, 'created_cutoff', asOfPath, true)! };
    d.training_sets.set(name, { name, spine, label, features, as_of });
  });

  const checks = get(root, 'checks');
  if (checks !== undefined) {
    if (!isObj(checks)) c.fail('checks', `expected an object mapping table names to lists of checks, got ${what(checks)}`);
    for (const table of Object.keys(checks)) {
      const tp = jsonPath('checks', table);
      if (!NAME.test(table) || table.includes('..')) c.fail(tp, `invalid table name ${JSON.stringify(table)}`);
      const list = checks[table];
      if (!Array.isArray(list)) c.fail(tp, `expected an array of checks, got ${what(list)}`);
      const ids = new Set<string>();
      const out: CheckDef[] = [];
      list.forEach((item, i) => {
        const def = parseCheck(c, table, item, jsonPath(tp, i));
        if (ids.has(def.id)) c.fail(jsonPath(jsonPath(tp, i), 'id'), `duplicate check id "${def.id}" for table ${table}`);
        ids.add(def.id);
        out.push(def);
      });
      d.checks.set(table, out);
    }
  }
  return d;
}

/** Parameters of each check type beyond id, type, severity and mostly; `!` marks required ones. */
const PARAMS: Record<CheckType, string[]> = {
  not_null: ['column!'],
  unique: ['column', 'columns'],
  between: ['column!', 'min', 'max', 'strict_min', 'strict_max'],
  in_set: ['column!', 'values!'],
  not_in_set: ['column!', 'values!'],
  regex: ['column!', 'pattern!'],
  length_between: ['column!', 'min', 'max'],
  column_type: ['column!', 'expected!'],
  schema: ['columns!', 'allow_extra'],
  row_count: ['min', 'max'],
  row_count_change: ['max_ratio!', 'reference'],
  stat_between: ['column!', 'stat!', 'q', 'min', 'max'],
  freshness: ['column!', 'max_age!'],
  missing_percent: ['column!', 'max!'],
  drift: ['column!', 'method', 'threshold', 'reference', 'bins'],
};

function parseCheck(c: Ctx, table: string, v: unknown, p: string): CheckDef {
  if (!isObj(v)) c.fail(p, `expected a check object, got ${what(v)}`);
  const typeV = get(v, 'type');
  if (typeV === undefined) c.fail(jsonPath(p, 'type'), 'is required', `types: ${CHECK_TYPES.join(', ')}`);
  if (typeof typeV !== 'string' || !(CHECK_TYPES as readonly string[]).includes(typeV)) {
    const guess = typeof typeV === 'string' ? closest(typeV, CHECK_TYPES) : undefined;
    c.fail(jsonPath(p, 'type'), `unknown check type ${JSON.stringify(typeV)}`, guess ? `did you mean "${guess}"?` : `types: ${CHECK_TYPES.join(', ')}`);
  }
  const type = typeV as CheckType;
  const params = PARAMS[type];
  const names = params.map((x) => x.replace('!', ''));
  obj(c, v, p, ['id', 'type', 'severity', 'mostly', ...names]);
  for (const x of params) if (x.endsWith('!') && get(v, x.slice(0, -1)) === undefined) c.fail(jsonPath(p, x.slice(0, -1)), `is required for a ${type} check`);
  const id = str(c, v, 'id', p, true);
  if (!NAME.test(id)) c.fail(jsonPath(p, 'id'), `invalid check id ${JSON.stringify(id)}`, 'ids are 1-128 letters, digits, "_", "." or "-"');
  const sev = get(v, 'severity');
  if (sev === undefined) c.fail(jsonPath(p, 'severity'), 'is required ("error" or "warn")');
  if (sev !== 'error' && sev !== 'warn') c.fail(jsonPath(p, 'severity'), `expected "error" or "warn", got ${what(sev)}`);
  const mostlyV = num(c, v, 'mostly', p, { min: 0, max: 1 });
  if (mostlyV !== undefined && !ROW_CHECKS.has(type)) c.fail(jsonPath(p, 'mostly'), `a ${type} check judges the whole table, so "mostly" does not apply`);
  const d: CheckDef = { table, path: p, id, type, severity: sev, mostly: mostlyV ?? 1 };
  const col = str(c, v, 'column', p, false);
  if (col !== undefined) d.column = col;

  const bounds = (opts: { integer?: boolean; min?: number; strings?: boolean }): void => {
    for (const k of ['min', 'max'] as const) {
      const b = get(v, k);
      if (b === undefined) continue;
      if (opts.strings && typeof b === 'string' && b.length > 0) d[k] = b;
      else d[k] = num(c, v, k, p, { integer: opts.integer, min: opts.min })!;
    }
    if (d.min === undefined && d.max === undefined) c.fail(p, `a ${type} check needs "min", "max" or both`);
    if (typeof d.min === 'number' && typeof d.max === 'number' && d.min > d.max) c.fail(jsonPath(p, 'min'), `min ${d.min} is greater than max ${d.max}`);
  };

  switch (type) {
    case 'unique': {
      const cols = strList(c, v, 'columns', p, { nonEmpty: true });
      if ((cols === undefined) === (col === undefined)) c.fail(p, 'a unique check needs either "column" or "columns" (not both)');
      d.columns = cols ?? [col!];
      break;
    }
    case 'between':
      bounds({ strings: true });
      d.strict_min = bool(c, v, 'strict_min', p, false) ?? false;
      d.strict_max = bool(c, v, 'strict_max', p, false) ?? false;
      break;
    case 'in_set':
    case 'not_in_set': {
      const vals = get(v, 'values');
      const vp = jsonPath(p, 'values');
      if (!Array.isArray(vals)) c.fail(vp, `expected an array of values, got ${what(vals)}`);
      vals.forEach((x, i) => {
        if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') c.fail(jsonPath(vp, i), `expected a string, number, boolean or null, got ${what(x)}`);
      });
      d.values = vals as Scalar[];
      break;
    }
    case 'regex': {
      const pattern = str(c, v, 'pattern', p, true);
      try {
        new RegExp(pattern, 'u');
      } catch (e) {
        c.fail(jsonPath(p, 'pattern'), `invalid regular expression: ${(e as Error).message}`);
      }
      d.pattern = pattern;
      break;
    }
    case 'length_between':
      bounds({ integer: true, min: 0 });
      break;
    case 'column_type': {
      const t = str(c, v, 'expected', p, true);
      try {
        d.expected = typeToString(parseType(t));
      } catch (e) {
        c.fail(jsonPath(p, 'expected'), (e as Error).message, (e as FvError).hint);
      }
      break;
    }
    case 'schema':
      d.columns = strList(c, v, 'columns', p, { required: true })!;
      d.allow_extra = bool(c, v, 'allow_extra', p, false) ?? false;
      break;
    case 'row_count':
      bounds({ integer: true, min: 0 });
      break;
    case 'row_count_change':
      d.max_ratio = num(c, v, 'max_ratio', p, { min: 0, required: true })!;
      break;
    case 'stat_between': {
      const stat = get(v, 'stat');
      if (stat !== 'mean' && stat !== 'stdev' && stat !== 'min' && stat !== 'max' && stat !== 'quantile') c.fail(jsonPath(p, 'stat'), `expected one of mean, stdev, min, max, quantile, got ${what(stat)}`);
      d.stat = stat;
      const q = num(c, v, 'q', p, { min: 0, max: 1 });
      if (stat === 'quantile' && q === undefined) c.fail(jsonPath(p, 'q'), 'is required when stat is "quantile" (a number in [0, 1])');
      if (stat !== 'quantile' && q !== undefined) c.fail(jsonPath(p, 'q'), 'applies only when stat is "quantile"');
      if (q !== undefined) d.q = q;
      bounds({});
      break;
    }
    case 'freshness': {
      const t = str(c, v, 'max_age', p, true);
      const r = parseDuration(t);
      if ('error' in r) c.fail(jsonPath(p, 'max_age'), `bad duration ${JSON.stringify(t)}: ${r.error}`);
      d.max_age = r;
      break;
    }
    case 'missing_percent':
      d.max = num(c, v, 'max', p, { min: 0, max: 100, required: true })!;
      break;
    case 'drift': {
      const method = get(v, 'method') ?? 'psi';
      if (method !== 'psi' && method !== 'ks' && method !== 'chi2') c.fail(jsonPath(p, 'method'), `expected "psi", "ks" or "chi2", got ${what(method)}`);
      d.method = method;
      // chi-square grows with the row count: no default threshold fits every table.
      if (method === 'chi2' && get(v, 'threshold') === undefined) c.fail(jsonPath(p, 'threshold'), 'is required for method "chi2" (the largest chi-square statistic allowed)');
      d.threshold = num(c, v, 'threshold', p, { min: 0 }) ?? (method === 'psi' ? 0.2 : 0.1);
      d.bins = num(c, v, 'bins', p, { integer: true, min: 2, max: 1000 }) ?? 10;
      break;
    }
    default:
      break;
  }
  if (type === 'row_count_change' || type === 'drift') {
    const r = str(c, v, 'reference', p, false);
    if (r !== undefined) d.reference = r;
  }
  return d;
}

export interface LoadedDefinitions {
  defs: Definitions;
  /** The commit the definitions and tables come from; null for the working state. */
  commit: string | null;
  /** Table name -> manifest blob id, at the same place. */
  tables: Map<string, string>;
  /** Blob id of features.json, or null when there is none. */
  oid: string | null;
}

/** Loads features.json from the working state (at undefined) or a rev, validated against that place's tables. */
export async function loadDefinitions(ctx: RepoContext, at?: string): Promise<LoadedDefinitions> {
  let commit: string | null = null;
  let bytes: Uint8Array | null = null;
  let oid: string | null = null;
  let tables: Map<string, string>;
  if (at === undefined) {
    tables = (await ctx.working()).tables;
    const f = ctx.workFile(DEFINITIONS_FILE);
    if (f) [bytes, oid] = [f.bytes, f.oid];
  } else {
    commit = await ctx.resolve(at);
    const snap = await ctx.snapshot(commit);
    tables = snap.tables;
    oid = snap.definitions;
    if (oid !== null) bytes = await ctx.git.readBlob(oid);
  }
  if (bytes === null) return { defs: emptyDefinitions(), commit, tables, oid };
  const columns = new Map<string, string[]>();
  const types = new Map<string, Map<string, string>>();
  for (const [name, m] of tables) {
    const fields = (await ctx.manifest(m, name)).fields;
    columns.set(name, fields.map((f) => f.name));
    types.set(name, new Map(fields.map((f) => [f.name, typeToString(parseType(f.type))])));
  }
  const file = at === undefined ? DEFINITIONS_FILE : `${DEFINITIONS_FILE} at ${at}`;
  return { defs: parseDefinitions(bytes, { file, tables: columns, types }), commit, tables, oid };
}
