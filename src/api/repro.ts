/**
 * `fv repro <lock-file>`: rebuild a training set from exactly the commit a
 * lock file records (the working state and later commits do not matter),
 * and compare. The lock file is untrusted input: it is size-limited, parsed
 * with JSON.parse, every field is type-checked, the commit must be a full
 * commit id present in the repository, and the recorded output name must be
 * a plain file name (no directories, no `..`).
 */
import { refuseInsideGitDir } from '../storage/safe-paths.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError, fromIoError, isFvError } from '../errors/FvError.js';
import { loadDefinitions } from '../features/definitions.js';
import type { BuildFormat } from '../features/build.js';
import { BUILD_FORMATS, sha256Hex } from '../features/build.js';
import type { BuildLock } from './build.js';
import { LOCK_FORMAT, buildAtCommit, checkOutputName, writeFileReplacing } from './build.js';
import type { RepoContext } from './context.js';

export interface ReproOptions {
  /** Compare only: ok is true iff the rebuilt bytes hash to the recorded sha256 (and nothing is written unless `output` is set). */
  check?: boolean;
  /** Where to write the rebuilt output (default: the recorded file name beside the lock file; with check, nowhere). */
  output?: string;
}

export interface ReproDifference {
  /** What differs: the definitions file, an input table, or the build output itself. */
  what: 'definitions' | 'table' | 'output';
  table?: string;
  recorded: string | null;
  actual: string | null;
  message: string;
}

export interface ReproResult {
  ok: boolean;
  lock: BuildLock;
  rebuilt: { rows: number; sha256: string };
  differences: ReproDifference[];
  /** The path written, or null. */
  written: string | null;
}

const MAX_LOCK_BYTES = 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function bad(file: string, msg: string): never {
  throw new FvError('BAD_INPUT', `${file}: ${msg}`, { hint: 'a lock file is written by `fv build`; rebuild it with `fv build <training-set>`' });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

/** Reads and validates a lock file. Any problem is FvError BAD_INPUT naming the field. */
export function readLockFile(file: string): BuildLock {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) bad(file, 'not a regular file');
    if (st.size > MAX_LOCK_BYTES) bad(file, `too large for a lock file (${st.size} bytes)`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (isFvError(e)) throw e;
    throw fromIoError(e, `reading ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    bad(file, `not valid JSON (${e instanceof SyntaxError ? e.message : 'nested too deeply'})`);
  }
  if (!isObj(raw)) bad(file, 'expected a JSON object');
  const fmt = own(raw, 'fv_format');
  if (typeof fmt === 'number' && Number.isInteger(fmt) && fmt > LOCK_FORMAT) {
    throw new FvError('BAD_INPUT', `${file}: fv_format: expected ${LOCK_FORMAT}, got ${fmt}: written by a newer fv`, { hint: 'upgrade fv to rebuild from this lock file' });
  }
  if (fmt !== LOCK_FORMAT) bad(file, `fv_format: expected ${LOCK_FORMAT}, got ${JSON.stringify(fmt) ?? 'nothing'}`);
  const ts = own(raw, 'training_set');
  if (typeof ts !== 'string' || !NAME.test(ts)) bad(file, 'training_set: expected a training set name');
  const commit = own(raw, 'commit');
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) bad(file, 'commit: expected a full commit id (40 lowercase hex digits)');
  const defs = own(raw, 'definitions');
  if (!isObj(defs) || typeof own(defs, 'sha256') !== 'string' || !HEX64.test(own(defs, 'sha256') as string)) bad(file, 'definitions.sha256: expected 64 hex digits');
  const tablesRaw = own(raw, 'tables');
  if (!isObj(tablesRaw)) bad(file, 'tables: expected an object of table name -> {"content_hash": ...}');
  const tables: Record<string, { content_hash: string }> = Object.create(null) as Record<string, { content_hash: string }>;
  for (const t of Object.keys(tablesRaw)) {
    const v = tablesRaw[t];
    if (!NAME.test(t) || t.includes('..')) bad(file, `tables: invalid table name ${JSON.stringify(t).slice(0, 80)}`);
    if (!isObj(v) || typeof own(v, 'content_hash') !== 'string' || (own(v, 'content_hash') as string).length > 200) bad(file, `tables.${t}.content_hash: expected a string`);
    tables[t] = { content_hash: own(v, 'content_hash') as string };
  }
  const out = own(raw, 'output');
  if (!isObj(out)) bad(file, 'output: expected an object');
  const of = own(out, 'file');
  if (typeof of !== 'string') bad(file, 'output.file: expected a file name');
  try {
    checkOutputName(of, 'output.file');
  } catch (e) {
    bad(file, (e as Error).message);
  }
  const format = own(out, 'format');
  if (typeof format !== 'string' || !(BUILD_FORMATS as readonly string[]).includes(format)) bad(file, `output.format: expected one of ${BUILD_FORMATS.join(', ')}`);
  const rows = own(out, 'rows');
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) bad(file, 'output.rows: expected a non-negative integer');
  const sha = own(out, 'sha256');
  if (typeof sha !== 'string' || !HEX64.test(sha)) bad(file, 'output.sha256: expected 64 hex digits');
  return {
    fv_format: LOCK_FORMAT,
    training_set: ts,
    commit,
    definitions: { file: 'features.json', sha256: own(defs, 'sha256') as string },
    tables,
    output: { file: of, format: format as BuildFormat, rows, sha256: sha },
  };
}

/** Rebuilds the training set a lock file records, and compares it with the record. */
export async function repro(ctx: RepoContext, lockPath: string, opts: ReproOptions = {}): Promise<ReproResult> {
  const lock = readLockFile(lockPath);
  let commit: string;
  try {
    commit = await ctx.resolve(lock.commit);
  } catch (e) {
    if (isFvError(e) && e.code === 'UNKNOWN_REF') {
      throw new FvError('UNKNOWN_REF', `${lockPath}: commit ${lock.commit} is not in this repository`, { hint: 'fetch the history that contains it, or rebuild with `fv build`' });
    }
    throw e;
  }
  const differences: ReproDifference[] = [];
  // Inputs first: they explain an output difference.
  const loaded = await loadDefinitions(ctx, commit);
  const defSha = loaded.oid === null ? null : sha256Hex(await ctx.git.readBlob(loaded.oid));
  if (defSha !== lock.definitions.sha256) {
    differences.push({ what: 'definitions', recorded: lock.definitions.sha256, actual: defSha, message: `definitions: features.json at ${commit.slice(0, 7)} has sha256 ${defSha ?? '(no file)'}, the lock records ${lock.definitions.sha256}` });
  }
  for (const t of Object.keys(lock.tables).sort()) {
    const oid = loaded.tables.get(t);
    const actual = oid === undefined ? null : (await ctx.manifest(oid, t)).content_hash;
    const recorded = lock.tables[t]!.content_hash;
    if (actual !== recorded) {
      differences.push({ what: 'table', table: t, recorded, actual, message: `table ${t}: content hash at ${commit.slice(0, 7)} is ${actual ?? '(no such table)'}, the lock records ${recorded}` });
    }
  }
  const r = await buildAtCommit(ctx, commit, lock.training_set, lock.output.format, lock.output.file);
  for (const t of Object.keys(r.lock.tables)) {
    if (!(t in lock.tables)) differences.push({ what: 'table', table: t, recorded: null, actual: r.lock.tables[t]!.content_hash, message: `table ${t}: read by the build but not recorded in the lock` });
  }
  const rebuilt = { rows: r.lock.output.rows, sha256: r.lock.output.sha256 };
  if (rebuilt.sha256 !== lock.output.sha256 || rebuilt.rows !== lock.output.rows) {
    differences.push({
      what: 'output',
      recorded: lock.output.sha256,
      actual: rebuilt.sha256,
      message: `build: the rebuilt ${lock.output.format} output has sha256 ${rebuilt.sha256} (${rebuilt.rows} rows), the lock records ${lock.output.sha256} (${lock.output.rows} rows)`,
    });
  }
  let written: string | null = null;
  if (opts.output !== undefined || !opts.check) {
    written = path.resolve(opts.output ?? path.join(path.dirname(path.resolve(lockPath)), lock.output.file));
    refuseInsideGitDir(ctx.git.gitdir, written);
    writeFileReplacing(written, r.bytes);
  }
  return { ok: differences.length === 0, lock, rebuilt, differences, written };
}
