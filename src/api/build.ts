/**
 * `fv build`: a training set from committed data, written deterministically,
 * with a lock file recording everything needed to rebuild it (docs/FORMAT.md
 * "Lock files").
 *
 * Builds always read a commit (default HEAD), never the uncommitted working
 * state: the lock records a commit, and a build the lock cannot reproduce
 * would defeat it. When the working state differs from the commit being
 * built (tables or features.json), the result carries a warning that the
 * CLI prints on stderr; the build still succeeds.
 */
import { refuseInsideGitDir } from '../storage/safe-paths.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { FvError, fromIoError } from '../errors/FvError.js';
import { encodeColumnarIpc } from '../table/arrow/gather-column.js';
import { loadDefinitions } from '../features/definitions.js';
import { BuildHelper } from '../features/build-helper.js';
import type { BuildFormat } from '../features/build.js';
import { BUILD_FORMATS, computeTrainingSet, encodeTrainingSet, sha256Hex } from '../features/build.js';
import type { Json } from '../table/canonical-json.js';
import { canonicalJson } from '../table/canonical-json.js';
import type { ColumnarTable } from '../table/arrow/typed-columns.js';
import type { RepoContext } from './context.js';

/** Version of the lock file format (the `fv_format` field). */
export const LOCK_FORMAT = 1;

export interface BuildLock {
  fv_format: number;
  training_set: string;
  /** Full id of the commit the inputs were read from. */
  commit: string;
  /** sha256 (hex) of the exact bytes of the commit's features.json blob. */
  definitions: { file: 'features.json'; sha256: string };
  /** Input table name -> its content hash at the commit. */
  tables: Record<string, { content_hash: string }>;
  output: { file: string; format: BuildFormat; rows: number; sha256: string };
}

export interface BuildOptions {
  /** The commit to build from (default HEAD). */
  at?: string;
  format?: BuildFormat;
  /** The output file name recorded in the lock (default `<name>.<format>`). */
  file?: string;
}

export interface BuildResult {
  lock: BuildLock;
  /** The output file's bytes. */
  bytes: Uint8Array;
  /** The training set as canonical typed columns. */
  data: ColumnarTable;
  /** Set when building from HEAD while the working state has uncommitted changes. */
  warning?: string;
}

const EXT: Record<BuildFormat, string> = { arrow: 'arrow', parquet: 'parquet', csv: 'csv' };

export function buildFormat(output: string | undefined, given: string | undefined): BuildFormat {
  if (given !== undefined) {
    if (!(BUILD_FORMATS as readonly string[]).includes(given)) throw new FvError('BAD_USAGE', `unknown build format "${given}"`, { hint: `formats: ${BUILD_FORMATS.join(', ')}` });
    return given as BuildFormat;
  }
  const ext = output ? path.extname(output).slice(1).toLowerCase() : '';
  const byExt: Record<string, BuildFormat> = { arrow: 'arrow', feather: 'arrow', ipc: 'arrow', parquet: 'parquet', csv: 'csv' };
  return byExt[ext] ?? 'arrow';
}

/** The lock object as canonical JSON text (sorted keys, 2-space indent, trailing newline). */
export function lockText(lock: BuildLock): string {
  return canonicalJson(lock as unknown as Json);
}

/** Builds training set `name` from `commit` (already resolved). */
export async function buildAtCommit(ctx: RepoContext, commit: string, name: string, format: BuildFormat, file: string): Promise<BuildResult> {
  // Started first, so that its start-up overlaps with reading the definitions.
  const helper = BuildHelper.start(ctx.git.gitdir);
  try {
    return await buildWith(ctx, commit, name, format, file, helper);
  } finally {
    await helper?.close();
  }
}

async function buildWith(ctx: RepoContext, commit: string, name: string, format: BuildFormat, file: string, helper: BuildHelper | null): Promise<BuildResult> {
  const loaded = await loadDefinitions(ctx, commit);
  if (loaded.oid === null) throw new FvError('BAD_DEFINITIONS', `commit ${commit.slice(0, 7)} has no features.json, so no training sets`, { hint: 'declare training sets in features.json and commit it' });
  const defBytes = await ctx.git.readBlob(loaded.oid);
  const { data, tables } = await computeTrainingSet(ctx, loaded, name, { helper, format });
  const bytes = await encodeTrainingSet(data, format, helper);
  const tableObj: Record<string, { content_hash: string }> = {};
  for (const t of [...tables.keys()].sort()) tableObj[t] = { content_hash: tables.get(t)! };
  const lock: BuildLock = {
    fv_format: LOCK_FORMAT,
    training_set: name,
    commit,
    definitions: { file: 'features.json', sha256: sha256Hex(defBytes) },
    tables: tableObj,
    output: { file, format, rows: data.rowCount, sha256: sha256Hex(bytes) },
  };
  return { lock, bytes, data };
}

async function uncommittedWarning(ctx: RepoContext, commit: string): Promise<string | undefined> {
  const head = await ctx.head();
  if (head !== commit) return undefined;
  const snap = await ctx.snapshot(head);
  const working = await ctx.working(head, snap);
  const changed: string[] = [];
  const names = new Set([...snap.tables.keys(), ...working.tables.keys()]);
  for (const t of [...names].sort()) if (snap.tables.get(t) !== working.tables.get(t)) changed.push(`table ${t}`);
  const wf = ctx.workFile('features.json');
  if ((wf?.oid ?? null) !== snap.definitions) changed.push('features.json');
  if (changed.length === 0) return undefined;
  return `building from the last commit ${head.slice(0, 7)}; uncommitted changes are not included (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''})`;
}

/** Builds in memory: the library's `repo.buildTrainingSet`. */
export async function buildTrainingSet(ctx: RepoContext, name: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const commit = await ctx.resolve(opts.at ?? 'HEAD');
  const format = opts.format ?? 'arrow';
  const file = opts.file ?? `${name}.${EXT[format]}`;
  checkOutputName(file, 'output file name');
  const r = await buildAtCommit(ctx, commit, name, format, file);
  if (opts.at === undefined) {
    const w = await uncommittedWarning(ctx, commit);
    if (w !== undefined) r.warning = w;
  }
  return r;
}

/** The same result as an Arrow Table (decoded from the Arrow IPC bytes of the build). */
export function arrowTable(r: BuildResult): Table {
  return tableFromIPC(r.lock.output.format === 'arrow' ? r.bytes : encodeColumnarIpc(r.data, 'file'));
}

/** A file name recorded in a lock: a plain base name, never a path. */
export function checkOutputName(name: string, what: string): void {
  if (name.length === 0 || name.length > 255 || name === '.' || name === '..' || /[\\/\x00-\x1f]/.test(name)) {
    throw new FvError('BAD_INPUT', `${what} ${JSON.stringify(name).slice(0, 80)} is not a plain file name`, { hint: 'lock files record the output as a base name beside the lock file' });
  }
}

export interface BuildFilesOptions {
  at?: string;
  format?: string;
  /** Output path (default `<name>.<format>` in the current directory). */
  output?: string;
  /** Lock path (default `<name>.lock.json` beside the output). */
  lock?: string;
}

export interface BuildFilesResult extends BuildResult {
  outputPath: string;
  lockPath: string;
}

/** Writes bytes to `file` through a temp file and a rename, so a reader never sees half a file. */
export function writeFileReplacing(file: string, bytes: Uint8Array | string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* best effort */
    }
    throw fromIoError(e, `writing ${file}`);
  }
}

/** `fv build`: builds and writes the output file and its lock file. */
export async function buildToFiles(ctx: RepoContext, name: string, opts: BuildFilesOptions): Promise<BuildFilesResult> {
  const format = buildFormat(opts.output, opts.format);
  const outputPath = path.resolve(opts.output ?? `${name}.${EXT[format]}`);
  const lockPath = path.resolve(opts.lock ?? path.join(path.dirname(outputPath), `${name}.lock.json`));
  if (outputPath === lockPath) throw new FvError('BAD_USAGE', 'the output and the lock file must be different files');
  refuseInsideGitDir(ctx.git.gitdir, outputPath);
  refuseInsideGitDir(ctx.git.gitdir, lockPath);
  const r = await buildTrainingSet(ctx, name, { at: opts.at, format, file: path.basename(outputPath) });
  writeFileReplacing(outputPath, r.bytes);
  writeFileReplacing(lockPath, lockText(r.lock));
  return { ...r, outputPath, lockPath };
}
