/**
 * The library API: `openRepository(dir)` / `initRepository(dir)` and one
 * method per operation. The CLI is a thin layer over exactly these calls.
 */
import type { RecordBatch } from 'apache-arrow';
import { commit } from './commit.js';
import type { CommitOptions, CommitResult } from './commit.js';
import { check } from './check.js';
import type { CheckOptions, CheckReport } from './check.js';
import { checkout } from './checkout.js';
import type { CheckoutOptions, CheckoutResult } from './checkout.js';
import { RepoContext } from './context.js';
import { diff } from './diff.js';
import type { DiffOptions, DiffResult } from './diff.js';
import { importTable } from './import.js';
import type { ImportOptions, ImportResult } from './import.js';
import { initRepository as init } from './init.js';
import { log } from './log.js';
import type { LogEntry, LogOptions } from './log.js';
import { exportTable, readTableBatches } from './read.js';
import type { ExportOptions } from './read.js';
import { blame } from './blame.js';
import type { BlameResult } from './blame.js';
import { installHooks } from './hooks.js';
import type { HooksResult } from './hooks.js';
import { reset } from './reset.js';
import { revert } from './revert.js';
import type { RevertOptions, RevertResult } from './revert.js';
import type { ResetResult } from './reset.js';
import { createBranch, createTag, deleteBranch, listBranches, listTags } from './refs.js';
import type { BranchInfo, TagInfo } from './refs.js';
import { showCommit, showTable } from './show.js';
import type { CommitSummary, TableSummary } from './show.js';
import { abortMerge, listConflicts, merge, resolveConflicts } from './merge.js';
import type { MergeOptions, MergeResult, ResolveOptions } from './merge.js';
import type { MergeConflict } from '../versioning/merge/conflict.js';
import { status } from './status.js';
import { arrowTable, buildToFiles, buildTrainingSet } from './build.js';
import type { BuildFilesOptions, BuildFilesResult, BuildLock, BuildOptions, BuildResult } from './build.js';
import { repro } from './repro.js';
import type { ReproOptions, ReproResult } from './repro.js';
import type { Table } from 'apache-arrow';
import type { StatusResult } from './status.js';
import { addRemoteConfig, fetchRemote, listRemoteInfo, pull, removeRemoteConfig } from './remote.js';
import type { PullOptions, PullResult, RemoteInfo } from './remote.js';
import type { FetchResult } from './remote-fetch.js';
import { push } from './remote-push.js';
import type { PushOptions, PushResult } from './remote-push.js';
import { clone } from './remote-clone.js';
import type { CloneOptions, CloneResult } from './remote-clone.js';
import type { ProgressFn } from '../storage/git-remote.js';

export class Repository {
  /** @internal */
  readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  get dir(): string {
    return this.ctx.dir;
  }

  import(file: string, opts: ImportOptions): Promise<ImportResult> {
    return importTable(this.ctx, file, opts);
  }

  export(table: string, opts: ExportOptions = {}): Promise<{ rows: number }> {
    return exportTable(this.ctx, table, opts);
  }

  /** The table (working state, or as of `at`) as Arrow record batches in stored order. */
  readTable(table: string, opts: { at?: string } = {}): AsyncGenerator<RecordBatch> {
    return readTableBatches(this.ctx, table, opts.at);
  }

  status(): Promise<StatusResult> {
    return status(this.ctx);
  }

  commit(opts: CommitOptions): Promise<CommitResult> {
    return commit(this.ctx, opts);
  }

  /** Differences between two revs, or a rev (default HEAD) and the working state. */
  diff(a?: string, b?: string, opts: DiffOptions = {}): Promise<DiffResult> {
    return diff(this.ctx, a, b, opts);
  }

  log(opts: LogOptions = {}): Promise<LogEntry[]> {
    return log(this.ctx, opts);
  }

  show(rev: string): Promise<CommitSummary> {
    return showCommit(this.ctx, rev);
  }

  showTable(table: string, opts: { at?: string; rows?: number } = {}): Promise<TableSummary> {
    return showTable(this.ctx, table, opts.at, opts.rows);
  }

  checkout(target: string | undefined, opts: CheckoutOptions = {}): Promise<CheckoutResult> {
    return checkout(this.ctx, target, opts);
  }

  /** Runs the data checks declared in features.json (working state, or the commit at `opts.at`). */
  check(opts: CheckOptions = {}): Promise<CheckReport> {
    return check(this.ctx, opts);
  }

  /** Installs the git pre-commit hook that runs `fv check`. */
  installHooks(): Promise<HooksResult> {
    return installHooks(this.ctx);
  }

  /** For each column of the row with this key, the commit that last changed it. */
  blame(table: string, key: string[]): Promise<BlameResult> {
    return blame(this.ctx, table, key);
  }

  /** A new commit undoing the row changes of `rev`, merged against everything since. */
  revert(rev: string, opts: RevertOptions = {}): Promise<RevertResult> {
    return revert(this.ctx, rev, opts);
  }

  /** Moves the current branch to `rev`; `hard` also resets the working state. */
  reset(rev: string, opts: { hard?: boolean } = {}): Promise<ResetResult> {
    return reset(this.ctx, rev, opts);
  }

  /** Three-way merge of `rev` into the current branch (docs/CLI.md). */
  merge(rev: string, opts: MergeOptions = {}): Promise<MergeResult> {
    return merge(this.ctx, rev, opts);
  }

  abortMerge(): Promise<{ name: string }> {
    return abortMerge(this.ctx);
  }

  /** Open conflicts of the merge in progress. */
  conflicts(table?: string): Promise<MergeConflict[]> {
    return listConflicts(this.ctx, table);
  }

  resolve(table: string, opts: ResolveOptions): Promise<{ resolved: number; remaining: number }> {
    return resolveConflicts(this.ctx, table, opts);
  }

  branches(): Promise<BranchInfo[]> {
    return listBranches(this.ctx);
  }

  createBranch(name: string, start?: string): Promise<BranchInfo> {
    return createBranch(this.ctx, name, start);
  }

  deleteBranch(name: string): Promise<{ name: string; commit: string }> {
    return deleteBranch(this.ctx, name);
  }

  tags(): Promise<TagInfo[]> {
    return listTags(this.ctx);
  }

  createTag(name: string, rev?: string, opts: { message?: string; author?: string } = {}): Promise<TagInfo> {
    return createTag(this.ctx, name, rev, opts);
  }

  /**
   * Builds training set `name` from the commit at `opts.at` (default HEAD) in memory:
   * the result as an Arrow Table, the lock object, and the output bytes in `opts.format` (default arrow).
   */
  async buildTrainingSet(name: string, opts: BuildOptions = {}): Promise<{ table: Table; lock: BuildLock; bytes: Uint8Array; warning?: string }> {
    const r: BuildResult = await buildTrainingSet(this.ctx, name, opts);
    return { table: arrowTable(r), lock: r.lock, bytes: r.bytes, ...(r.warning !== undefined ? { warning: r.warning } : {}) };
  }

  /** `fv build`: writes the output file and its lock file. */
  buildFiles(name: string, opts: BuildFilesOptions = {}): Promise<BuildFilesResult> {
    return buildToFiles(this.ctx, name, opts);
  }

  /** `fv repro`: rebuilds what a lock file records, from exactly its commit, and compares. */
  repro(lockPath: string, opts: ReproOptions = {}): Promise<ReproResult> {
    return repro(this.ctx, lockPath, opts);
  }

  // ---- remotes (docs/REMOTES.md) ----

  remotes(): Promise<RemoteInfo[]> {
    return listRemoteInfo(this.ctx);
  }

  addRemote(name: string, url: string): Promise<RemoteInfo> {
    return addRemoteConfig(this.ctx, name, url);
  }

  removeRemote(name: string): Promise<RemoteInfo> {
    return removeRemoteConfig(this.ctx, name);
  }

  /** Sends `branch` (default: the current one) to `remote` (default: its upstream, else origin). */
  push(remote?: string, branch?: string, opts: PushOptions = {}): Promise<PushResult> {
    return push(this.ctx, remote, branch, opts);
  }

  fetch(remote?: string, opts: { onProgress?: ProgressFn } = {}): Promise<FetchResult> {
    return fetchRemote(this.ctx, remote, opts);
  }

  /** Fetch, then fast-forward or cell-level merge of the remote branch. */
  pull(remote?: string, branch?: string, opts: PullOptions = {}): Promise<PullResult> {
    return pull(this.ctx, remote, branch, opts);
  }
}

/** Clones the fv repository at `url` into `dir` (default: named after the URL) and opens it. */
export async function cloneRepository(url: string, dir?: string, opts: CloneOptions = {}): Promise<{ repo: Repository; result: CloneResult }> {
  const result = await clone(url, dir, opts);
  return { repo: new Repository(new RepoContext(result.dir)), result };
}

/** Opens the fv repository containing `dir` (default: the current directory). */
export async function openRepository(dir = '.'): Promise<Repository> {
  return new Repository(RepoContext.find(dir));
}

/** Creates an fv repository in `dir` (a new git repository, or fv added to an existing one). */
export async function initRepository(dir = '.'): Promise<Repository> {
  const r = await init(dir);
  return new Repository(new RepoContext(r.dir));
}
