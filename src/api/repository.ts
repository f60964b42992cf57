/**
 * The library API: `openRepository(dir)` / `initRepository(dir)` and one
 * method per operation. The CLI is a thin layer over exactly these calls.
 *
 * Each method loads its operation's module on first use: a command pays
 * only for the modules it runs (apache-arrow alone costs ~0.1 s of start-up,
 * and `fv checkout` or `fv status` never decode a chunk).
 */
import type { RecordBatch } from 'apache-arrow';
import type { CommitOptions, CommitResult } from './commit.js';
import type { CheckOptions, CheckReport } from './check.js';
import type { CheckoutOptions, CheckoutResult } from './checkout.js';
import { RepoContext } from './context.js';
import type { DiffOptions, DiffResult } from './diff.js';
import type { ImportOptions, ImportResult } from './import.js';
import type { LogEntry, LogOptions } from './log.js';
import type { ExportOptions } from './read.js';
import type { BlameResult } from './blame.js';
import type { GcOptions, GcResult } from './gc.js';
import type { HooksResult } from './hooks.js';
import type { RevertOptions, RevertResult } from './revert.js';
import type { ResetResult } from './reset.js';
import type { BranchInfo, TagInfo } from './refs.js';
import type { CommitSummary, TableSummary } from './show.js';
import type { MergeOptions, MergeResult, ResolveOptions } from './merge.js';
import type { MergeConflict } from '../versioning/merge/conflict.js';
import type { BuildFilesOptions, BuildFilesResult, BuildLock, BuildOptions, BuildResult } from './build.js';
import type { ReproOptions, ReproResult } from './repro.js';
import type { Table } from 'apache-arrow';
import type { StatusResult } from './status.js';
import type { PullOptions, PullResult, RemoteInfo } from './remote.js';
import type { FetchResult } from './remote-fetch.js';
import type { PushOptions, PushResult } from './remote-push.js';
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

  async import(file: string, opts: ImportOptions): Promise<ImportResult> {
    return (await import('./import.js')).importTable(this.ctx, file, opts);
  }

  async export(table: string, opts: ExportOptions = {}): Promise<{ rows: number }> {
    return (await import('./read.js')).exportTable(this.ctx, table, opts);
  }

  /** The table (working state, or as of `at`) as Arrow record batches in stored order. */
  async *readTable(table: string, opts: { at?: string } = {}): AsyncGenerator<RecordBatch> {
    yield* (await import('./read.js')).readTableBatches(this.ctx, table, opts.at);
  }

  async status(): Promise<StatusResult> {
    return (await import('./status.js')).status(this.ctx);
  }

  async commit(opts: CommitOptions): Promise<CommitResult> {
    return (await import('./commit.js')).commit(this.ctx, opts);
  }

  /** Differences between two revs, or a rev (default HEAD) and the working state. */
  async diff(a?: string, b?: string, opts: DiffOptions = {}): Promise<DiffResult> {
    return (await import('./diff.js')).diff(this.ctx, a, b, opts);
  }

  async log(opts: LogOptions = {}): Promise<LogEntry[]> {
    return (await import('./log.js')).log(this.ctx, opts);
  }

  async show(rev: string): Promise<CommitSummary> {
    return (await import('./show.js')).showCommit(this.ctx, rev);
  }

  async showTable(table: string, opts: { at?: string; rows?: number } = {}): Promise<TableSummary> {
    return (await import('./show.js')).showTable(this.ctx, table, opts.at, opts.rows);
  }

  async checkout(target: string | undefined, opts: CheckoutOptions = {}): Promise<CheckoutResult> {
    return (await import('./checkout.js')).checkout(this.ctx, target, opts);
  }

  /** Runs the data checks declared in features.json (working state, or the commit at `opts.at`). */
  async check(opts: CheckOptions = {}): Promise<CheckReport> {
    return (await import('./check.js')).check(this.ctx, opts);
  }

  /** Removes loose objects nothing reaches (`fv gc`); packs are left alone. */
  async gc(opts: GcOptions = {}): Promise<GcResult> {
    return (await import('./gc.js')).gc(this.ctx, opts);
  }

  /** Installs the git pre-commit hook that runs `fv check`. */
  async installHooks(): Promise<HooksResult> {
    return (await import('./hooks.js')).installHooks(this.ctx);
  }

  /** For each column of the row with this key, the commit that last changed it. */
  async blame(table: string, key: string[]): Promise<BlameResult> {
    return (await import('./blame.js')).blame(this.ctx, table, key);
  }

  /** A new commit undoing the row changes of `rev`, merged against everything since. */
  async revert(rev: string, opts: RevertOptions = {}): Promise<RevertResult> {
    return (await import('./revert.js')).revert(this.ctx, rev, opts);
  }

  /** Moves the current branch to `rev`; `hard` also resets the working state. */
  async reset(rev: string, opts: { hard?: boolean } = {}): Promise<ResetResult> {
    return (await import('./reset.js')).reset(this.ctx, rev, opts);
  }

  /** Three-way merge of `rev` into the current branch (docs/CLI.md). */
  async merge(rev: string, opts: MergeOptions = {}): Promise<MergeResult> {
    return (await import('./merge.js')).merge(this.ctx, rev, opts);
  }

  async abortMerge(): Promise<{ name: string }> {
    return (await import('./merge.js')).abortMerge(this.ctx);
  }

  /** Open conflicts of the merge in progress. */
  async conflicts(table?: string): Promise<MergeConflict[]> {
    return (await import('./merge.js')).listConflicts(this.ctx, table);
  }

  async resolve(table: string, opts: ResolveOptions): Promise<{ resolved: number; remaining: number }> {
    return (await import('./merge.js')).resolveConflicts(this.ctx, table, opts);
  }

  async branches(): Promise<BranchInfo[]> {
    return (await import('./refs.js')).listBranches(this.ctx);
  }

  async createBranch(name: string, start?: string): Promise<BranchInfo> {
    return (await import('./refs.js')).createBranch(this.ctx, name, start);
  }

  async deleteBranch(name: string): Promise<{ name: string; commit: string }> {
    return (await import('./refs.js')).deleteBranch(this.ctx, name);
  }

  async tags(): Promise<TagInfo[]> {
    return (await import('./refs.js')).listTags(this.ctx);
  }

  async createTag(name: string, rev?: string, opts: { message?: string; author?: string } = {}): Promise<TagInfo> {
    return (await import('./refs.js')).createTag(this.ctx, name, rev, opts);
  }

  /**
   * Builds training set `name` from the commit at `opts.at` (default HEAD) in memory:
   * the result as an Arrow Table, the lock object, and the output bytes in `opts.format` (default arrow).
   */
  async buildTrainingSet(name: string, opts: BuildOptions = {}): Promise<{ table: Table; lock: BuildLock; bytes: Uint8Array; warning?: string }> {
    const { arrowTable, buildTrainingSet } = await import('./build.js');
    const r: BuildResult = await buildTrainingSet(this.ctx, name, opts);
    return { table: arrowTable(r), lock: r.lock, bytes: r.bytes, ...(r.warning !== undefined ? { warning: r.warning } : {}) };
  }

  /** `fv build`: writes the output file and its lock file. */
  async buildFiles(name: string, opts: BuildFilesOptions = {}): Promise<BuildFilesResult> {
    return (await import('./build.js')).buildToFiles(this.ctx, name, opts);
  }

  /** `fv repro`: rebuilds what a lock file records, from exactly its commit, and compares. */
  async repro(lockPath: string, opts: ReproOptions = {}): Promise<ReproResult> {
    return (await import('./repro.js')).repro(this.ctx, lockPath, opts);
  }

  // ---- remotes (docs/REMOTES.md) ----

  async remotes(): Promise<RemoteInfo[]> {
    return (await import('./remote.js')).listRemoteInfo(this.ctx);
  }

  async addRemote(name: string, url: string): Promise<RemoteInfo> {
    return (await import('./remote.js')).addRemoteConfig(this.ctx, name, url);
  }

  async removeRemote(name: string): Promise<RemoteInfo> {
    return (await import('./remote.js')).removeRemoteConfig(this.ctx, name);
  }

  /** Sends `branch` (default: the current one) to `remote` (default: its upstream, else origin). */
  async push(remote?: string, branch?: string, opts: PushOptions = {}): Promise<PushResult> {
    return (await import('./remote-push.js')).push(this.ctx, remote, branch, opts);
  }

  async fetch(remote?: string, opts: { onProgress?: ProgressFn } = {}): Promise<FetchResult> {
    return (await import('./remote.js')).fetchRemote(this.ctx, remote, opts);
  }

  /** Fetch, then fast-forward or cell-level merge of the remote branch. */
  async pull(remote?: string, branch?: string, opts: PullOptions = {}): Promise<PullResult> {
    return (await import('./remote.js')).pull(this.ctx, remote, branch, opts);
  }
}

/** Clones the fv repository at `url` into `dir` (default: named after the URL) and opens it. */
export async function cloneRepository(url: string, dir?: string, opts: CloneOptions = {}): Promise<{ repo: Repository; result: CloneResult }> {
  const result = await (await import('./remote-clone.js')).clone(url, dir, opts);
  return { repo: new Repository(new RepoContext(result.dir)), result };
}

/** Opens the fv repository containing `dir` (default: the current directory). */
export async function openRepository(dir = '.'): Promise<Repository> {
  return new Repository(RepoContext.find(dir));
}

/** Creates an fv repository in `dir` (a new git repository, or fv added to an existing one). */
export async function initRepository(dir = '.'): Promise<Repository> {
  const r = await (await import('./init.js')).initRepository(dir);
  return new Repository(new RepoContext(r.dir));
}
