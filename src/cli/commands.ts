/**
 * Every command, declared in one place: flags in, one API call, output out.
 * Read commands accept --json and then print exactly one JSON document.
 */
import type { Command } from 'commander';
import { openRepository, initRepository } from './lazy-repository.js';
import type { ImportMode } from '../api/import.js';
import { FvError } from '../errors/FvError.js';
import type { Json } from '../table/canonical-json.js';
import type { Field, FvType } from '../table/types.js';
import type { BlameCommit } from '../api/blame.js';
import { valueToJson } from '../table/values.js';
import { parseType } from '../table/types.js';
import * as fs from 'node:fs';
import { deltaText, renderBlame, renderDiff, renderLog, renderStatus, renderTable } from './render.js';
import { NegativeAnswer } from './negative.js';
import { renderCheckReport } from './check-commands.js';
import { diffToJson } from './diff-json.js';
import { note, print, printJson, rowsToJson } from './output.js';
import { style } from './style.js';
import { registerCheckCommands } from './check-commands.js';
import { registerMergeCommands } from './merge-commands.js';
import { registerBuildCommands } from './build-commands.js';
import { registerGcCommands } from './gc-commands.js';
import { registerRemoteCommands } from './remote-commands.js';

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseTypes(v: string): Map<string, FvType> {
  const m = new Map<string, FvType>();
  // Types such as timestamp[ms, UTC] and decimal(10, 2) contain commas: split on commas followed by "name:".
  for (const part of v.split(/,(?=\s*[^,:[\]()]+:)/)) {
    const i = part.indexOf(':');
    if (i <= 0) throw new FvError('BAD_USAGE', `--types expects col:type,..., got ${JSON.stringify(part)}`);
    m.set(part.slice(0, i).trim(), parseType(part.slice(i + 1)));
  }
  return m;
}

function readSchemaFile(file: string): Field[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FvError('BAD_INPUT', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON'}`);
  }
  // Accepted shapes: {"fields": [{"name", "type"}]} or {"col": "type", ...}.
  const fields = (raw as { fields?: unknown }).fields;
  if (Array.isArray(fields)) {
    return fields.map((f, i) => {
      const o = f as { name?: unknown; type?: unknown };
      if (typeof o.name !== 'string' || typeof o.type !== 'string') throw new FvError('BAD_INPUT', `${file}: fields[${i}] needs a string "name" and "type"`);
      return { name: o.name, type: schemaType(file, o.type) };
    });
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    return Object.entries(raw as Record<string, unknown>).map(([name, t]) => {
      if (typeof t !== 'string') throw new FvError('BAD_INPUT', `${file}: the type of "${name}" must be a string`);
      return { name, type: schemaType(file, t) };
    });
  }
  throw new FvError('BAD_INPUT', `${file}: expected {"fields": [...]} or {"column": "type", ...}`);
}

/** `<rev>` or `<rev>:<table>`; `:<table>` (no rev) is the working state. */
function schemaType(file: string, text: string): FvType {
  try {
    return parseType(text);
  } catch (e) {
    if (e instanceof FvError) throw new FvError('BAD_INPUT', `${file}: ${e.message}`, { hint: e.hint });
    throw e;
  }
}

function splitRevTable(arg: string): { rev?: string; table?: string } {
  const i = arg.lastIndexOf(':');
  return i < 0 ? { rev: arg } : { rev: arg.slice(0, i) || undefined, table: arg.slice(i + 1) };
}

export function registerCommands(program: Command): void {
  program
    .command('init [dir]')
    .description('create an fv repository (a git repository with fv.json)')
    .action(async (dir: string | undefined) => {
      const repo = await initRepository(dir ?? '.');
      print(`Initialized empty fv repository in ${repo.dir}`);
    });

  program
    .command('import <file>')
    .description('set the working state of a table from a file (CSV, TSV, JSON Lines, JSON, Parquet, Arrow; - reads stdin)')
    .requiredOption('-t, --table <name>', 'table name')
    .option('--key <cols>', 'primary key column(s), comma-separated', list)
    .option('--time <col>', 'event-time column')
    .option('--format <fmt>', 'csv|tsv|jsonl|json|parquet|arrow (default: from the extension)')
    .option('--mode <mode>', 'replace|append|upsert', 'replace')
    .option('--schema <file>', 'JSON file fixing every column type')
    .option('--types <col:type,...>', 'fix the type of some columns')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (file: string, o: { table: string; key?: string[]; time?: string; format?: string; mode: string; schema?: string; types?: string; quiet?: boolean }) => {
      if (!['replace', 'append', 'upsert'].includes(o.mode)) throw new FvError('BAD_USAGE', `--mode must be replace, append or upsert, not "${o.mode}"`);
      const repo = await openRepository();
      const r = await repo.import(file, {
        table: o.table, key: o.key, time: o.time, format: o.format, mode: o.mode as ImportMode,
        types: o.types ? parseTypes(o.types) : undefined, schema: o.schema ? readSchemaFile(o.schema) : undefined,
      });
      if (!o.quiet) print(`Imported ${r.rows} rows into ${style.bold(r.table)} (${r.columns.length} columns, ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}${r.key.length ? `, key ${r.key.join(', ')}` : ''})`);
    });

  program
    .command('export <table>')
    .description('write a table (working state, or as of a rev) to a file or stdout')
    .option('--at <rev>', 'read the table as of this rev')
    .option('--format <fmt>', 'csv|tsv|jsonl|json|parquet|arrow (default: from -o, else csv)')
    .option('-o, --output <file>', 'output file (default: stdout)')
    .action(async (table: string, o: { at?: string; format?: string; output?: string }) => {
      const repo = await openRepository();
      if ((o.format === 'arrow' || o.format === 'parquet') && (o.output === undefined || o.output === '-') && process.stdout.isTTY) {
        throw new FvError('BAD_USAGE', `refusing to write ${o.format} to a terminal`, { hint: 'pass -o <file>' });
      }
      await repo.export(table, { at: o.at, format: o.format, output: o.output });
    });

  program
    .command('status')
    .description('the branch and the uncommitted changes of each table')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const s = await (await openRepository()).status();
      if (!o.json) return print(renderStatus(s));
      const tables: Record<string, Json> = {};
      for (const [n, t] of Object.entries(s.tables)) tables[n] = { state: t.state, added: t.added, removed: t.removed, modified: t.modified, rows: t.rows };
      printJson({ branch: s.branch, head: s.head, tables, definitions: s.definitions, merging: s.merging, conflicts: s.conflicts });
    });

  program
    .command('commit')
    .description('record the working state as a commit')
    .option('-m, --message <msg>', 'commit message (required, except for a merge)')
    .option('--author <author>', 'author as "Name <email>"')
    .option('--allow-empty', 'commit even when nothing changed')
    .option('--no-verify', 'skip data checks')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (o: { message?: string; author?: string; allowEmpty?: boolean; verify: boolean; quiet?: boolean }) => {
      const repo = await openRepository();
      const r = await repo.commit({ message: o.message, author: o.author, allowEmpty: o.allowEmpty, noVerify: !o.verify }).catch(async (e: unknown) => {
        // Loaded only on failure: the checks runner pulls in apache-arrow, which other commands need not load.
        const { ChecksFailed } = await import('../checks/runner.js');
        if (!(e instanceof ChecksFailed)) throw e;
        process.stderr.write(renderCheckReport(e.report) + '\n');
        process.stderr.write('fv: commit refused: error-severity data checks failed (nothing was written)\nhint: fix the data, or commit with --no-verify\n');
        throw new NegativeAnswer();
      });
      if (o.quiet) return;
      print(`[${r.branch ?? 'detached HEAD'} ${r.commit.slice(0, 7)}] ${r.message.split('\n')[0]}`);
      for (const [n, d] of Object.entries(r.tables)) print(`  ${n}: ${deltaText(d)}`);
    });

  program
    .command('log [rev]')
    .description('history, each commit with its per-table row deltas')
    .option('--table <t>', 'only commits that changed this table')
    .option('-n, --max-count <n>', 'show at most n commits', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new FvError('BAD_USAGE', `-n needs a whole number, got "${v}"`);
      return n;
    })
    .option('--oneline', 'one line per commit')
    .option('--json', 'print JSON')
    .action(async (rev: string | undefined, o: { table?: string; maxCount?: number; oneline?: boolean; json?: boolean }) => {
      const entries = await (await openRepository()).log({ rev, table: o.table, limit: o.maxCount });
      if (o.json) {
        return printJson(entries.map((e) => ({ commit: e.commit, parents: e.parents, message: e.message, author: e.author, email: e.email, time: e.time, tables: e.tables as unknown as Json })));
      }
      print(renderLog(entries, o.oneline === true));
    });

  program
    .command('show [target]')
    .description('a commit (<rev>) or a table (<rev>:<table>, or :<table> for the working state)')
    .option('-n, --rows <n>', 'rows to show for a table', (v) => Number(v), 10)
    .option('--json', 'print JSON')
    .action(async (target: string | undefined, o: { rows: number; json?: boolean }) => {
      const repo = await openRepository();
      const { rev, table } = splitRevTable(target ?? 'HEAD');
      if (table !== undefined) {
        const s = await repo.showTable(table, { at: rev, rows: o.rows });
        if (!o.json) return print(renderTable(s));
        return printJson({ table: s.table, commit: s.commit, rows: s.rows, key: s.key, time: s.time, content_hash: s.contentHash, chunks: s.chunks, columns: s.columns as unknown as Json, head: rowsToJson(s.head) });
      }
      const c = await repo.show(rev ?? 'HEAD');
      if (o.json) return printJson({ commit: c.commit, parents: c.parents, message: c.message, author: c.author, email: c.email, time: c.time, tables: c.tables as unknown as Json, rows: c.rows });
      print(renderLog([c], false));
      const names = Object.keys(c.rows).sort();
      if (names.length) print(`\n    tables: ${names.map((n) => `${n} (${c.rows[n]} rows)`).join(', ')}`);
    });

  program
    .command('diff [a] [b]')
    .description('row and cell differences: HEAD vs working state, <a> vs working state, or <a> vs <b>')
    .option('--table <t>', 'only this table')
    .option('--stat', 'counts only')
    .option('--schema', 'schema changes only')
    .option('--stats', 'per-column profiles of both sides (count, nulls, distinct, min, max, mean, stdev, quantiles, top values, histograms) with PSI and KS drift')
    .option('--limit <n>', 'row changes shown per table', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new FvError('BAD_USAGE', `--limit needs a whole number, got "${v}"`);
      return n;
    }, 100)
    .option('--exit-code', 'exit 1 when there are differences')
    .option('--json', 'print JSON')
    .action(async (a: string | undefined, b: string | undefined, o: { table?: string; stat?: boolean; schema?: boolean; stats?: boolean; limit: number; exitCode?: boolean; json?: boolean }) => {
      const r = await (await openRepository()).diff(a, b, { table: o.table, limit: o.stat || o.schema ? 0 : o.limit, stats: o.stats === true });
      if (o.json) printJson(diffToJson(r));
      else print(renderDiff(r, { stat: o.stat === true, schemaOnly: o.schema === true, stats: o.stats === true }));
      if (o.exitCode && r.tables.size > 0) throw new NegativeAnswer();
    });

  program
    .command('checkout [target] [tables...]')
    .description('switch to a branch or commit; -b creates a branch; `<rev> -- <table>...` restores tables')
    .option('-b, --branch <name>', 'create a branch at <target> (default HEAD) and switch to it')
    .option('-f, --force', 'discard uncommitted changes')
    .action(async (target: string | undefined, tables: string[], o: { branch?: string; force?: boolean }) => {
      const repo = await openRepository();
      // Commander swallows "--"; it is what marks the table-restoring form.
      const dd = process.argv.indexOf('--');
      if (dd >= 0) {
        const after = process.argv.slice(dd + 1);
        const operands = [target, ...tables].filter((x): x is string => x !== undefined);
        const before = operands.slice(0, operands.length - after.length);
        if (after.length === 0) throw new FvError('BAD_USAGE', 'name at least one table after --');
        if (before.length > 1) throw new FvError('BAD_USAGE', `expected one rev before --, got ${before.join(' ')}`);
        const rev = before[0] ?? 'HEAD';
        const r = await repo.checkout(rev, { tables: after, force: o.force });
        return print(`Restored ${r.restored!.join(', ')} from ${rev}`);
      }
      if (tables.length > 0) throw new FvError('BAD_USAGE', `unexpected arguments: ${tables.join(' ')}`, { hint: 'to restore tables use `fv checkout <rev> -- <table>...`' });
      const r = await repo.checkout(target, { createBranch: o.branch, force: o.force });
      if (o.branch) print(`Switched to a new branch '${o.branch}'`);
      else if (r.branch) print(`Switched to branch '${r.branch}'`);
      else print(`HEAD is now at ${r.commit.slice(0, 7)} (detached)`);
      if (r.carried.length) note(`kept uncommitted changes to: ${r.carried.join(', ')}`);
    });

  program
    .command('blame <table>')
    .description('for each column of one row, the commit that last changed it')
    .requiredOption('--key <k1,k2>', 'the row\'s primary-key value(s), comma-separated', list)
    .option('--json', 'print JSON')
    .action(async (table: string, o: { key: string[]; json?: boolean }) => {
      const b = await (await openRepository()).blame(table, o.key);
      if (!o.json) return print(renderBlame(b));
      const c = (x: BlameCommit): Json => ({ commit: x.commit, time: x.time, author: x.author, message: x.message });
      const columns: Record<string, Json> = {};
      for (const [col, x] of Object.entries(b.columns)) columns[col] = c(x);
      printJson({
        table: b.table,
        key: b.key.map((v, i) => valueToJson(v, b.types[b.keyColumns[i]!]!)),
        columns,
        inserted: c(b.inserted),
        deleted: b.deleted ? c(b.deleted) : null,
      });
    });

  program
    .command('reset <rev>')
    .description('move the current branch to <rev>; --hard also resets the working state')
    .option('--hard', 'discard uncommitted changes and reset tables and features.json to <rev>')
    .action(async (rev: string, o: { hard?: boolean }) => {
      const r = await (await openRepository()).reset(rev, { hard: o.hard });
      print(`${r.branch ?? 'HEAD'} is now at ${r.commit.slice(0, 7)}${r.previous ? ` (was ${r.previous.slice(0, 7)})` : ''}`);
    });

  program
    .command('branch [name] [start]')
    .description('list, create or delete branches')
    .option('-d, --delete <name>', 'delete a branch')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, start: string | undefined, o: { delete?: string; json?: boolean }) => {
      const repo = await openRepository();
      if (o.delete) {
        const r = await repo.deleteBranch(o.delete);
        return print(`Deleted branch ${r.name} (was ${r.commit.slice(0, 7)})`);
      }
      if (name) {
        const b = await repo.createBranch(name, start);
        return print(`Created branch ${b.name} at ${b.commit.slice(0, 7)}`);
      }
      const bs = await repo.branches();
      if (o.json) return printJson(bs.map((b) => ({ name: b.name, commit: b.commit, current: b.current })));
      print(bs.map((b) => (b.current ? `* ${style.green(b.name)}` : `  ${b.name}`)).join('\n'));
    });

  program
    .command('tag [name] [rev]')
    .description('list or create tags')
    .option('-m, --message <msg>', 'make an annotated tag with this message')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, rev: string | undefined, o: { message?: string; json?: boolean }) => {
      const repo = await openRepository();
      if (name) {
        const t = await repo.createTag(name, rev, { message: o.message });
        return print(`Tagged ${t.commit.slice(0, 7)} as ${t.name}`);
      }
      const ts = await repo.tags();
      if (o.json) return printJson(ts.map((t) => ({ name: t.name, commit: t.commit, annotated: t.annotated })));
      print(ts.map((t) => t.name).join('\n'));
    });

  registerMergeCommands(program);

  program
    .command('hooks')
    .description('git hooks: `fv hooks install` adds a pre-commit hook that runs `fv check`')
    .argument('<action>', 'install')
    .action(async (action: string) => {
      if (action !== 'install') throw new FvError('BAD_USAGE', `unknown hooks action "${action}"`, { hint: 'use `fv hooks install`' });
      const r = await (await openRepository()).installHooks();
      print(`Installed ${r.hook}${r.chained ? ` (the earlier hook runs first: ${r.chained})` : ''}`);
    });

  program
    .command('demo [dir]')
    .description('run a short fv session on the bundled fixtures in a fresh directory')
    .action(async (dir: string | undefined) => {
      await (await import('./demo.js')).runDemo(dir);
    });

  registerCheckCommands(program);
  registerBuildCommands(program);
  registerGcCommands(program);
  registerRemoteCommands(program);
}
