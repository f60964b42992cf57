/** `fv check [--table t] [--at <rev>] [--json]`: run the data checks declared in features.json. */
import type { Command } from 'commander';
import { openRepository } from './lazy-repository.js';
import type { CheckReport, CheckResult } from '../api/check.js';
import type { Json } from '../table/canonical-json.js';
import { compactJson, RawJson } from '../table/canonical-json.js';
import { NegativeAnswer } from './negative.js';
import { print, printJson } from './output.js';
import { style, truncate } from './style.js';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

/** A figure for people: float noise (1.8499999999999996) rounded to 12 significant digits; JSON keeps every digit. */
function figure(v: Json): string {
  if (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v)) return String(Number(v.toPrecision(12)));
  return typeof v === 'string' ? v : compactJson(v);
}

function kv(o: Json): string {
  if (o === null) return 'null';
  if (typeof o !== 'object' || Array.isArray(o)) return figure(o);
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    // A default reference is a commit id: its short form is what people use.
    .map(([k, v]) => `${k} ${k === 'reference' && typeof v === 'string' && /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 7) : figure(v as Json)}`)
    .join(', ');
}

function pct(n: number, d: number): string {
  return d === 0 ? '0%' : `${((n / d) * 100).toFixed(1)}%`;
}

/** The human report: one line per check, details under each failure. */
export function renderCheckReport(r: CheckReport): string {
  if (r.results.length === 0) return 'No checks declared (add them under "checks" in features.json)';
  const lines: string[] = [];
  for (const x of r.results) {
    const what = `${x.table}/${x.check}`;
    const target = `(${x.type}${x.column !== undefined ? ' ' + x.column : ''})`;
    if (x.ok) {
      lines.push(`${style.green('ok  ')} ${what} ${style.dim(target)}${x.note ? style.dim(` - ${x.note}`) : ''}`);
      continue;
    }
    const tag = x.severity === 'error' ? style.red('FAIL') : style.yellow('WARN');
    lines.push(`${tag} ${style.bold(what)} ${target}${x.severity === 'warn' ? ' [warn]' : ''}`);
    lines.push(...failureDetails(x).map((l) => '       ' + l));
  }
  const failed = r.results.filter((x) => !x.ok);
  const errors = failed.filter((x) => x.severity === 'error').length;
  const passed = r.results.length - failed.length;
  lines.push('');
  lines.push(failed.length === 0 ? `${passed} check${passed === 1 ? '' : 's'} passed` : `${errors} failed, ${failed.length - errors} warning${failed.length - errors === 1 ? '' : 's'}, ${passed} passed`);
  return lines.join('\n');
}

function failureDetails(x: CheckResult): string[] {
  if (x.error) return [`error: ${x.error}`];
  const out = [`observed: ${kv(x.observed)}`, `expected: ${kv(x.expected)}`];
  if (x.unexpected > 0) {
    const e = x.expected;
    const mostly = typeof e === 'object' && e !== null && !Array.isArray(e) && !(e instanceof RawJson) ? e.mostly : undefined;
    // With `mostly`, say how many failures would have been tolerated.
    const tolerated = typeof mostly === 'number' ? Math.floor(x.rows * (1 - mostly) + 1e-9) : null;
    const allowed = tolerated !== null ? `; at most ${tolerated} (${pct(tolerated, x.rows)}) allowed` : '';
    out.push(`failing rows: ${x.unexpected} of ${x.rows} (${pct(x.unexpected, x.rows)})${allowed}`);
  }
  // The checked column's value first (the row can be long and is truncated), then the row.
  const col = x.column !== undefined && !x.column.includes(',') ? x.column : undefined;
  for (const e of x.examples) {
    const where = e.key.length ? `key ${compactJson(e.key)}` : `row #${e.index}`;
    const value = col !== undefined && col in e.row ? `${col}=${compactJson(e.row[col]!)}  ` : '';
    out.push(`e.g. ${where}: ${value}${truncate(compactJson(e.row), 160)}`);
  }
  if (x.unexpected > x.examples.length && x.examples.length > 0) out.push(`... and ${x.unexpected - x.examples.length} more`);
  return out;
}

export function checkReportJson(r: CheckReport): Json {
  return {
    ok: r.ok,
    results: r.results.map((x) => {
      const o: Record<string, Json> = {
        table: x.table, check: x.check, type: x.type, severity: x.severity, ok: x.ok, observed: x.observed, unexpected: x.unexpected,
        examples: x.examples.map((e) => ({ key: e.key, index: e.index, row: e.row })), rows: x.rows, expected: x.expected,
      };
      if (x.error !== undefined) o.error = x.error;
      if (x.note !== undefined) o.note = x.note;
      return o;
    }),
  };
}

export function registerCheckCommands(program: Command): void {
  program
    .command('check')
    .description('run the data checks declared in features.json (exit 1 if an error-severity check fails)')
    .option('--table <t>', 'only this table\'s checks (repeatable, or comma-separated)', collect)
    .option('--at <rev>', 'check the commit at <rev> with its own features.json (default: the working state)')
    .option('--json', 'print JSON')
    .action(async (o: { table?: string[]; at?: string; json?: boolean }) => {
      const r = await (await openRepository()).check({ table: o.table, at: o.at });
      if (o.json) printJson(checkReportJson(r));
      else print(renderCheckReport(r));
      if (!r.ok) throw new NegativeAnswer();
    });
}
