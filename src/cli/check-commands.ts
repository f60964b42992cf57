/** `fv check [--table t] [--at <rev>] [--json]`: run the data checks declared in features.json. */
import type { Command } from 'commander';
import { openRepository } from './lazy-repository.js';
import type { CheckReport, CheckResult } from '../api/check.js';
import type { Json } from '../table/canonical-json.js';
import { compactJson } from '../table/canonical-json.js';
import { NegativeAnswer } from './negative.js';
import { print, printJson } from './output.js';
import { style, truncate } from './style.js';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

function kv(o: Json): string {
  if (o === null) return 'null';
  if (typeof o !== 'object' || Array.isArray(o)) return compactJson(o);
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : compactJson(v as Json)}`)
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
  if (x.unexpected > 0) out.push(`failing rows: ${x.unexpected} of ${x.rows} (${pct(x.unexpected, x.rows)})`);
  for (const e of x.examples) out.push(`e.g. ${x.examples[0]!.key.length ? `key ${compactJson(e.key)}` : `row #${e.index}`}: ${truncate(compactJson(e.row), 160)}`);
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
