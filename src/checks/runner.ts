/**
 * Runs declared data checks. One pass over each table, chunk by chunk: every
 * check of that table sees each chunk in turn, so at most one chunk of rows
 * is in memory besides the state a check keeps (unique: a Set of keys;
 * quantile and drift: the column's numbers; see each check's file).
 *
 * `runChecks` is what `fv check` and the commit gate call;
 * `runTableChecks` is the pure core (no repository needed besides `env`).
 */
import type { RepoContext } from '../api/context.js';
import { FvError } from '../errors/FvError.js';
import type { CheckDef, Definitions, Severity } from '../features/definitions.js';
import { loadDefinitions, ROW_CHECKS } from '../features/definitions.js';
import type { Json } from '../table/canonical-json.js';
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import type { TableData } from '../table/table-data.js';
import { readChunks } from '../table/table-reader.js';
import { parseTimestamp } from '../table/temporal.js';
import { valueToJson } from '../table/values.js';
import { checkTableName, DEFINITIONS_FILE } from '../versioning/layout.js';
import type { CheckEnv, CheckExample, CheckReport, CheckResult, Judge, ReferenceTable, TableView } from './check.js';
import { CheckSetupError } from './check.js';
import { CHECKS } from './registry.js';

export const MAX_EXAMPLES = 5;

export interface RunChecksOptions {
  /** Only the checks of these tables (default: every table with checks). */
  tables?: string[];
  /** A rev; undefined (or "WORKING") checks the working state with the work tree's features.json. */
  at?: string;
  /** Only checks of this severity (the commit gate runs "error"). */
  severity?: Severity;
  /** The time of the check, ns since the epoch; default FV_NOW or the clock. */
  now?: bigint;
}

/** FV_NOW (an ISO-8601 timestamp; no zone means UTC) or the clock, in ns since the epoch. */
export function checkTime(env: NodeJS.ProcessEnv = process.env): bigint {
  const s = env.FV_NOW;
  if (s === undefined || s === '') return BigInt(Date.now()) * 1000000n;
  const p = parseTimestamp(s) ?? parseTimestamp(s + 'T00:00:00');
  if (p === null) throw new FvError('BAD_USAGE', `FV_NOW=${JSON.stringify(s)} is not an ISO-8601 timestamp`);
  return p.nanos;
}

export async function runChecks(ctx: RepoContext, opts: RunChecksOptions = {}): Promise<CheckReport> {
  const at = opts.at === 'WORKING' ? undefined : opts.at;
  for (const t of opts.tables ?? []) checkTableName(t);
  const loaded = await loadDefinitions(ctx, at);
  const definitionsFile = at === undefined ? DEFINITIONS_FILE : `${DEFINITIONS_FILE} at ${at}`;
  const parent = at === undefined ? await ctx.head() : ((await ctx.git.readCommit(loaded.commit!)).parents[0] ?? null);
  const now = opts.now ?? checkTime();
  const refs = new Map<string, Map<string, string>>();
  const tablesAt = async (rev: string): Promise<Map<string, string>> => {
    let t = refs.get(rev);
    if (!t) {
      t = (await ctx.snapshot(rev)).tables;
      refs.set(rev, t);
    }
    return t;
  };
  const results: CheckResult[] = [];
  for (const [table, all] of loaded.defs.checks) {
    if (opts.tables && !opts.tables.includes(table)) continue;
    const defs = all.filter((d) => opts.severity === undefined || d.severity === opts.severity);
    if (defs.length === 0) continue;
    const oid = loaded.tables.get(table);
    const manifest = oid === undefined ? null : await ctx.manifest(oid, table);
    const env: CheckEnv = {
      now,
      readChunks: (m) => readChunks(ctx.git, m),
      async reference(def: CheckDef): Promise<ReferenceTable | null> {
        let commit: string | null;
        let rev: string;
        if (def.reference !== undefined) {
          try {
            commit = await ctx.resolve(def.reference);
          } catch (e) {
            throw new CheckSetupError(`${(e as Error).message}`, 'reference');
          }
          rev = def.reference;
        } else {
          commit = parent;
          rev = commit ?? '';
        }
        if (commit === null) return null;
        const m = (await tablesAt(commit)).get(table);
        return m === undefined ? null : { rev, manifest: await ctx.manifest(m, table) };
      },
    };
    results.push(...(await runTableChecks(table, manifest, defs, env, definitionsFile)));
  }
  return { ok: results.every((r) => r.ok || r.severity !== 'error'), results };
}

/**
 * Thrown by `verifyChecks` (the commit gate) when an error-severity check
 * fails. Not an FvError: the CLI prints `report` and exits 1 (a negative
 * answer), not 2. `code` is stable for library users.
 */
export class ChecksFailed extends Error {
  readonly code = 'CHECKS_FAILED' as const;
  constructor(readonly report: CheckReport) {
    const failed = report.results.filter((r) => !r.ok && r.severity === 'error');
    super(`${failed.length} data check${failed.length === 1 ? '' : 's'} failed: ${failed.map((r) => `${r.table}/${r.check}`).join(', ')}`);
    this.name = 'ChecksFailed';
  }
}

/**
 * The commit gate: runs the checks of the working state (the work tree's
 * features.json; reference = HEAD, the new commit's parent) and throws
 * ChecksFailed if an error-severity check fails. Warn checks run too (and
 * show in the report): a warn check whose definition does not fit the data
 * (unknown column, unknown reference) is as much a bad features.json as an
 * error one, FvError('BAD_DEFINITIONS'). Read-only: safe under the lock.
 */
export async function verifyChecks(ctx: RepoContext, opts: { now?: bigint; tables?: string[] } = {}): Promise<CheckReport> {
  const report = await runChecks(ctx, { now: opts.now, tables: opts.tables });
  if (!report.ok) throw new ChecksFailed(report);
  return report;
}

function columnOf(def: CheckDef): string | undefined {
  return def.column ?? (def.type === 'unique' ? def.columns?.join(',') : undefined);
}

function setupFailure(def: CheckDef, message: string): CheckResult {
  const r: CheckResult = { table: def.table, check: def.id, type: def.type, severity: def.severity, ok: false, observed: null, unexpected: 0, examples: [], rows: 0, expected: null, error: message };
  const c = columnOf(def);
  if (c !== undefined) r.column = c;
  return r;
}

interface Running {
  def: CheckDef;
  judge: Judge;
  unexpected: number;
  judged: number;
  examples: CheckExample[];
}

/**
 * A setup error that blames a field of the definition is a bad features.json,
 * not a failed check: with the file name at hand it becomes an FvError naming
 * the file and the JSON path of that field.
 */
function badDefinition(e: CheckSetupError, def: CheckDef, definitionsFile: string | undefined): FvError | null {
  if (e.param === undefined || definitionsFile === undefined) return null;
  return new FvError('BAD_DEFINITIONS', `${definitionsFile}: ${def.path}.${e.param}: ${e.message}`);
}

/**
 * Runs the checks of one table (manifest null: the table does not exist, and
 * every check fails). Checks that cannot be evaluated fail with an `error`;
 * given `definitionsFile`, one whose definition is at fault throws instead.
 */
export async function runTableChecks(table: string, manifest: TableManifest | null, defs: CheckDef[], env: CheckEnv, definitionsFile?: string): Promise<CheckResult[]> {
  if (manifest === null) return defs.map((d) => setupFailure(d, `no table ${table}`));
  const view: TableView = { name: table, manifest, fields: manifestSchema(manifest).fields };
  const keyIdx = manifest.key.map((k) => view.fields.findIndex((f) => f.name === k));
  const out = new Map<CheckDef, CheckResult>();
  const running: Running[] = [];
  for (const def of defs) {
    try {
      running.push({ def, judge: await CHECKS[def.type](def, view, env), unexpected: 0, judged: 0, examples: [] });
    } catch (e) {
      if (!(e instanceof CheckSetupError)) throw e;
      const bad = badDefinition(e, def, definitionsFile);
      if (bad) throw bad;
      out.set(def, setupFailure(def, e.message));
    }
  }
  const streaming = running.filter((r) => r.judge.chunk);
  if (streaming.length > 0) {
    let offset = 0;
    for await (const d of env.readChunks(manifest)) {
      for (const r of streaming) {
        const fail = (row: number): void => {
          r.unexpected++;
          if (r.examples.length < MAX_EXAMPLES) r.examples.push(example(d, row, offset, keyIdx));
        };
        r.judged += r.judge.chunk!(d, fail);
      }
      offset += d.rowCount;
    }
  }
  for (const r of running) {
    let v;
    try {
      v = await r.judge.finish();
    } catch (e) {
      if (!(e instanceof CheckSetupError)) throw e;
      const bad = badDefinition(e, r.def, definitionsFile);
      if (bad) throw bad;
      out.set(r.def, setupFailure(r.def, e.message));
      continue;
    }
    const rowCheck = ROW_CHECKS.has(r.def.type);
    const ok = rowCheck ? r.judged === 0 || (r.judged - r.unexpected) / r.judged >= r.def.mostly : v.ok === true;
    const res: CheckResult = {
      table, check: r.def.id, type: r.def.type, severity: r.def.severity, ok, observed: v.observed, unexpected: r.unexpected,
      examples: r.examples, rows: rowCheck ? r.judged : manifest.rows, expected: v.expected,
    };
    if (rowCheck && r.def.mostly < 1) res.expected = { ...(v.expected as Record<string, Json>), mostly: r.def.mostly };
    if (v.note !== undefined) res.note = v.note;
    const c = columnOf(r.def);
    if (c !== undefined) res.column = c;
    out.set(r.def, res);
  }
  return defs.map((d) => out.get(d)!);
}

function example(d: TableData, row: number, offset: number, keyIdx: number[]): CheckExample {
  const values: Record<string, Json> = {};
  d.fields.forEach((f, i) => (values[f.name] = valueToJson(d.columns[i]![row]!, f.type)));
  return { key: keyIdx.map((i) => valueToJson(d.columns[i]![row]!, d.fields[i]!.type)), index: offset + row, row: values };
}

export type { CheckReport, CheckResult, Definitions };
