/** Human-readable output for the read commands (JSON output is in the commands themselves). */
import type { BlameResult } from '../api/blame.js';
import type { DiffResult } from '../api/diff.js';
import type { LogEntry } from '../api/log.js';
import type { StatusResult } from '../api/status.js';
import type { TableSummary } from '../api/show.js';
import type { TableDelta } from '../api/changes.js';
import type { Json } from '../table/canonical-json.js';
import { RawJson } from '../table/canonical-json.js';
import type { TableData } from '../table/table-data.js';
import type { ColumnStats, ColumnStatsDiff } from '../versioning/diff/column-profile.js';
import { QUANTILE_NAMES } from '../versioning/diff/quantile-names.js';
import type { Value } from '../table/types.js';
import { formatValue } from '../table/values.js';
import { columns, style, truncate } from './style.js';

export function deltaText(d: TableDelta): string {
  const parts: string[] = [];
  if (d.added) parts.push(style.green(`+${d.added}`));
  if (d.removed) parts.push(style.red(`-${d.removed}`));
  if (d.modified) parts.push(style.yellow(`~${d.modified}`));
  return parts.length ? parts.join(' ') : 'no row changes';
}

export function renderStatus(s: StatusResult): string {
  const lines: string[] = [];
  lines.push(s.branch ? `On branch ${style.bold(s.branch)}` : `HEAD detached at ${s.head?.slice(0, 7) ?? '(none)'}`);
  if (s.head === null) lines.push('No commits yet');
  if (s.merging) {
    lines.push(s.conflicts > 0 ? `Merging ${s.mergingWith}: ${s.conflicts} unresolved conflict${s.conflicts === 1 ? '' : 's'}` : `Merging ${s.mergingWith}: all conflicts resolved`);
    lines.push(style.dim(s.conflicts > 0 ? '  (`fv conflicts` to list them, `fv resolve <table> --ours|--theirs`, `fv merge --abort` to undo)' : '  (`fv commit` to record the merge, `fv merge --abort` to undo)'));
  }
  const changed = Object.entries(s.tables).filter(([, t]) => t.state !== 'clean');
  if (changed.length === 0 && s.definitions === 'clean') {
    lines.push(Object.keys(s.tables).length ? 'nothing to commit, working state clean' : 'no tables yet (import one with `fv import <file> --table <name>`)');
  } else {
    lines.push('Changes not yet committed:');
    const rows = changed.map(([name, t]) => ['  ' + t.state + ':', name, t.state === 'deleted' ? '' : `${t.rows} rows`, t.state === 'modified' ? deltaText(t) : '']);
    if (s.definitions === 'modified') rows.push(['  modified:', 'features.json', '', '']);
    lines.push(...columns(rows));
    lines.push(style.dim('  (use `fv commit -m <message>` to record them, `fv checkout --force HEAD` to discard them)'));
  }
  const clean = Object.entries(s.tables).filter(([, t]) => t.state === 'clean');
  if (clean.length) lines.push(style.dim(`Unchanged: ${clean.map(([n, t]) => `${n} (${t.rows} rows)`).join(', ')}`));
  return lines.join('\n');
}

export function renderLog(entries: LogEntry[], oneline: boolean): string {
  const out: string[] = [];
  for (const e of entries) {
    const tables = Object.entries(e.tables).map(([n, d]) => `${n} ${deltaText(d)}`).join(', ');
    if (oneline) {
      out.push(`${style.yellow(e.commit.slice(0, 7))} ${e.message.split('\n')[0]}${tables ? style.dim(`  [${tables}]`) : ''}`);
      continue;
    }
    out.push(style.yellow(`commit ${e.commit}`));
    if (e.parents.length > 1) out.push(`Merge: ${e.parents.map((p) => p.slice(0, 7)).join(' ')}`);
    out.push(`Author: ${e.author} <${e.email}>`);
    out.push(`Date:   ${e.time}`);
    out.push('');
    for (const l of e.message.split('\n')) out.push('    ' + l);
    if (tables) {
      out.push('');
      for (const [n, d] of Object.entries(e.tables)) out.push(`    ${n}: ${deltaText(d)}`);
    }
    out.push('');
  }
  return out.join('\n').replace(/\n$/, '');
}

export function renderRows(t: TableData, maxWidth = 24): string[] {
  const header = t.fields.map((f) => f.name);
  const rows: string[][] = [header];
  for (let r = 0; r < t.rowCount; r++) rows.push(t.fields.map((f, i) => {
    const v = t.columns[i]![r]!;
    return v === null ? '∅' : truncate(formatValue(v, f.type), maxWidth);
  }));
  return columns(rows);
}

export function renderTable(s: TableSummary): string {
  const lines = [
    `table ${style.bold(s.table)}${s.commit ? ` at ${s.commit.slice(0, 7)}` : ' (working state)'}`,
    `rows: ${s.rows}   chunks: ${s.chunks}   key: ${s.key.length ? s.key.join(', ') : '(none)'}   time: ${s.time ?? '(none)'}`,
    `content hash: ${s.contentHash}`,
    '',
    ...columns([['column', 'type', 'nulls', 'min', 'max'], ...s.columns.map((c) => [c.name, c.type, String(c.nulls), truncate(c.min ?? '', 30), truncate(c.max ?? '', 30)])]),
  ];
  if (s.head.rowCount > 0) lines.push('', `first ${s.head.rowCount} rows:`, ...renderRows(s.head));
  return lines.join('\n');
}

/** Human diff: per table its counts and schema changes, then each changed row (cells old -> new). */
export function renderDiff(r: DiffResult, opts: { stat: boolean; schemaOnly: boolean; stats?: boolean }): string {
  const out: string[] = [];
  for (const [name, d] of r.tables) {
    out.push(style.bold(`${name}`) + `  ${d.status}  ${deltaText(d)}`);
    for (const c of d.schema.added) out.push(style.green(`  + column ${c}`));
    for (const c of d.schema.removed) out.push(style.red(`  - column ${c}`));
    for (const c of d.schema.changed) out.push(style.yellow(`  ~ column ${c.column}: ${c.from} -> ${c.to}`));
    if (opts.stat || opts.schemaOnly) continue;
    const stats = r.stats?.get(name);
    if (stats !== undefined) {
      out.push(...renderColumnStats(stats));
      continue;
    }
    const fields = new Map([...d.fieldsBefore, ...d.fieldsAfter].map((f) => [f.name, f.type]));
    const show = (v: Value, col: string): string => (v === null ? '∅' : truncate(formatValue(v, fields.get(col)!), 40));
    for (const row of d.rows) {
      const key = row.key.map((v, i) => show(v, d.key[i]!)).join(',');
      if (row.op === 'added') out.push(style.green(`  + ${key ? `[${key}] ` : ''}${Object.entries(row.after!).map(([c, v]) => `${c}=${show(v, c)}`).join(' ')}`));
      else if (row.op === 'removed') out.push(style.red(`  - ${key ? `[${key}] ` : ''}${Object.entries(row.before!).map(([c, v]) => `${c}=${show(v, c)}`).join(' ')}`));
      else {
        const cells = Object.keys({ ...row.before, ...row.after }).filter((c) => !(c in row.before!) || !(c in row.after!) || formatValue(row.before![c]!, fields.get(c)!) !== formatValue(row.after![c]!, fields.get(c)!) || (row.before![c] === null) !== (row.after![c] === null));
        out.push(style.yellow(`  ~ [${key}] `) + cells.map((c) => `${c}: ${c in row.before! ? show(row.before![c]!, c) : '(none)'} -> ${c in row.after! ? show(row.after![c]!, c) : '(none)'}`).join(', '));
      }
    }
    const shown = d.rows.length;
    const total = d.added + d.removed + d.modified;
    if (shown < total) out.push(style.dim(`  ... ${total - shown} more row changes (use --limit N)`));
  }
  if (opts.stats && out.length) out.push(style.dim('(tables unchanged between the two sides are not profiled)'));
  return out.length ? out.join('\n') : 'no differences';
}

const SPARK = '▁▂▃▄▅▆▇█';

/** Sparklines of two histograms on one scale (shares of each side's total); an empty bin is ▁, any other at least ▂. */
export function sparklines(a: number[] | null, b: number[] | null): [string, string] {
  const share = (h: number[]): number[] => {
    const n = h.reduce((x, y) => x + y, 0);
    return h.map((c) => (n === 0 ? 0 : c / n));
  };
  const sa = a ? share(a) : [], sb = b ? share(b) : [];
  const top = Math.max(0, ...sa, ...sb);
  const line = (h: number[] | null, s: number[]): string => (h === null ? '' : s.map((x) => (x === 0 ? SPARK[0] : SPARK[1 + Math.round((x / top) * 6)])).join(''));
  return [line(a, sa), line(b, sb)];
}

function fmtNum(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

function fmtJson(v: Json | undefined): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'number') return fmtNum(v);
  if (v instanceof RawJson) return v.text;
  if (typeof v === 'object') return JSON.stringify(v);
  return truncate(String(v), 32);
}

const STDEV_UNIT: Record<string, string> = { date32: ' days' };

function renderColumnStats(stats: Record<string, ColumnStatsDiff>): string[] {
  const out: string[] = [];
  for (const [col, s] of Object.entries(stats)) {
    const bf = s.before, af = s.after;
    const types = bf?.type === af?.type || af === null ? bf?.type : bf === null ? af.type : `${bf.type} -> ${af.type}`;
    const sampled = bf?.sampled || af?.sampled ? style.dim('  (quantiles, histogram, psi and ks from a sample)') : '';
    out.push(`  ${style.cyan(col)}  ${types ?? ''}${sampled}`);
    const rows: string[][] = [];
    const row = (label: string, f: (p: ColumnStats) => string): void => {
      rows.push([label, bf ? f(bf) : '(none)', '->', af ? f(af) : '(none)']);
    };
    const stdevUnit = (p: ColumnStats): string => STDEV_UNIT[p.type] ?? (/^timestamp\[(\w+)/.exec(p.type) ? ` ${/^timestamp\[(\w+)/.exec(p.type)![1]}` : '');
    row('count', (p) => String(p.count));
    row('nulls', (p) => String(p.nulls));
    row('distinct', (p) => (p.distinctExact ? String(p.distinct) : `~${p.distinct} (approx.)`));
    row('min', (p) => fmtJson(p.min));
    row('max', (p) => fmtJson(p.max));
    const kinds = [bf?.kind, af?.kind];
    if (kinds.some((k) => k === 'numeric' || k === 'temporal')) {
      row('mean', (p) => fmtJson(p.mean));
      row('stdev', (p) => (p.stdev === null ? '∅' : fmtNum(p.stdev) + stdevUnit(p)));
      QUANTILE_NAMES.forEach((q) => row(q, (p) => fmtJson(p.quantiles?.[q] ?? null)));
      const [ls, rs] = sparklines(bf?.histogram ?? null, af?.histogram ?? null);
      rows.push(['histogram', ls || '(none)', '->', rs || '(none)']);
    }
    if (kinds.includes('categorical')) {
      row('top', (p) => (p.top === null ? '∅' : p.top.map((t) => `${truncate(t.value, 16)}:${t.count}`).join(' ') + (p.topExact ? '' : ' (approx.)')));
    }
    const drift = [s.psi === null ? null : `psi ${fmtNum(s.psi)}`, s.ks === null ? null : `ks ${fmtNum(s.ks)}`, s.chi2 === null ? null : `chi2 ${fmtNum(s.chi2)}`].filter((x) => x !== null);
    const lines = columns(rows).map((l) => `    ${l}`);
    if (drift.length) lines.push(`    ${'drift'.padEnd(Math.max(...rows.map((r) => r[0]!.length)) + 2)}${drift.join('  ')}`);
    out.push(...lines);
  }
  return out;
}

/** One line per column: commit, date, author, message, and the current value. */
export function renderBlame(b: BlameResult): string {
  const lines: string[] = [];
  if (b.deleted) lines.push(style.red(`row deleted in ${b.deleted.commit.slice(0, 7)} (${b.deleted.time.slice(0, 10)}, ${b.deleted.author}): ${b.deleted.message.split('\n')[0]}`));
  lines.push(`inserted in ${b.inserted.commit.slice(0, 7)} (${b.inserted.time.slice(0, 10)}, ${b.inserted.author}): ${b.inserted.message.split('\n')[0]}`);
  const rows = Object.entries(b.columns).map(([col, c]) => [col, c.commit.slice(0, 7), c.time.slice(0, 10), truncate(c.author, 20), truncate(c.message.split('\n')[0]!, 40), b.row[col] === null ? '∅' : truncate(formatValue(b.row[col]!, b.types[col]!), 30)]);
  lines.push(...columns(rows));
  return lines.join('\n');
}
