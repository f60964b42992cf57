/**
 * `fv clone <url> [dir] [--branch b] [--depth n]`: a new repository set up
 * as `fv init` does (sparse checkout keeping `.fv/` out of the work tree),
 * a validated fetch of `origin`, then the working state `fv checkout` would
 * leave: HEAD on the branch, `.git/fv/working.json`, fv.json and
 * features.json in the work tree, the skip-worktree index. Chunks are never
 * written to the work tree. Files committed with native git outside `.fv/`
 * (a README) are written out, as `git clone` would.
 *
 * A failed clone removes the directory it created (or empties the empty
 * directory it was given): nothing is left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import { GitRepo } from '../storage/git.js';
import { writeIndexAtomic } from '../storage/git-index.js';
import type { IndexEntry } from '../storage/git-index.js';
import { addRemote } from '../storage/git-remote.js';
import type { ProgressFn } from '../storage/git-remote.js';
import { hasUserinfo, redactUrl } from '../storage/url-redact.js';
import { canonicalJson } from '../table/canonical-json.js';
import { configureSparseCheckout, syncIndex } from '../versioning/index-sync.js';
import { checkRefName, SETTINGS_FILE } from '../versioning/layout.js';
import { listTreeFiles } from '../versioning/snapshot.js';
import { saveWorking } from '../versioning/working.js';
import { writeDefinitions } from './checkout.js';
import { RepoContext } from './context.js';
import { SETTINGS } from './init.js';
import { checkRemoteUrl } from './remote.js';
import { fetchValidated } from './remote-fetch.js';
import { isFvCommit } from './remote-validate.js';

export interface CloneOptions {
  branch?: string;
  depth?: number;
  onProgress?: ProgressFn;
}

export interface CloneResult {
  dir: string;
  /** The branch checked out (for an empty remote: the unborn default branch). */
  branch: string;
  commit: string | null;
  tables: string[];
  /** The remote had no commits yet. */
  empty: boolean;
  bytesReceived: number;
}

const REMOTE = 'origin';

/** `https://host/team/sales.git` -> `sales`, as git names a clone's directory. */
export function defaultCloneDir(url: string): string {
  const name = new URL(url).pathname.replace(/\/+$/, '').split('/').pop()?.replace(/\.git$/, '') ?? '';
  if (name === '' || name === '.' || name === '..') throw new FvError('BAD_USAGE', `cannot tell a directory name from ${redactUrl(url)}`, { hint: 'name the directory: fv clone <url> <dir>' });
  return name;
}

export async function clone(url: string, dir: string | undefined, opts: CloneOptions = {}): Promise<CloneResult> {
  checkRemoteUrl(url);
  if (opts.branch !== undefined) checkRefName(opts.branch, 'branch');
  if (opts.depth !== undefined && (!Number.isInteger(opts.depth) || opts.depth < 1)) throw new FvError('BAD_USAGE', `--depth must be a positive whole number, not ${opts.depth}`);
  const target = path.resolve(dir ?? defaultCloneDir(url));
  const existed = fs.existsSync(target);
  if (existed && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new FvError('BAD_USAGE', `${target} already exists and is not an empty directory`, { hint: 'clone into a new or empty directory' });
  }
  try {
    fs.mkdirSync(target, { recursive: true });
    const git = await GitRepo.init(target);
    await configureSparseCheckout(git);
    // Userinfo is used for this clone but not stored: the user did not ask for a password in .git/config.
    await addRemote(target, git.gitdir, REMOTE, hasUserinfo(url) ? redactUrl(url) : url);
    const ctx = new RepoContext(target);
    return await ctx.withLock('clone', () => checkoutClone(ctx, url, opts));
  } catch (e) {
    if (existed) for (const f of fs.readdirSync(target)) fs.rmSync(path.join(target, f), { recursive: true, force: true });
    else fs.rmSync(target, { recursive: true, force: true });
    throw e;
  }
}

async function checkoutClone(ctx: RepoContext, url: string, opts: CloneOptions): Promise<CloneResult> {
  const single = opts.branch !== undefined || opts.depth !== undefined;
  const f = await fetchValidated(ctx.git, REMOTE, url, {
    onProgress: opts.onProgress,
    singleBranch: single,
    ...(opts.branch !== undefined ? { branch: opts.branch, requireFv: opts.branch } : {}),
    ...(opts.depth !== undefined ? { depth: opts.depth } : {}),
  });
  const branch = opts.branch ?? f.defaultBranch ?? 'main';
  const tip = await ctx.git.readRef(`refs/remotes/${REMOTE}/${branch}`);
  if (tip === null) {
    if (f.updated.length > 0 || opts.branch !== undefined) throw new FvError('UNKNOWN_REF', `the remote has no branch ${branch}`, { hint: 'name one with --branch' });
    // An empty remote: the clone is a fresh repository, as `fv init` makes it, ready to push.
    await writeFileAtomic(path.join(ctx.dir, SETTINGS_FILE), canonicalJson(SETTINGS));
    if (branch !== 'main') await ctx.git.setHead({ branch });
    await setUpstream(ctx, branch);
    return { dir: ctx.dir, branch, commit: null, tables: [], empty: true, bytesReceived: f.bytesReceived };
  }
  if (!(await isFvCommit(ctx.git, tip))) throw new FvError('REMOTE_ERROR', `${redactUrl(url)} is not an fv repository (branch ${branch} has no fv.json)`, { hint: 'fv clones repositories made by `fv init`' });
  const snap = await ctx.snapshot(tip);
  await ctx.git.updateRef(`refs/heads/${branch}`, tip, null);
  await ctx.git.setHead({ branch });
  await setUpstream(ctx, branch);
  await writeFileAtomic(path.join(ctx.dir, SETTINGS_FILE), await ctx.git.readBlob(snap.settings!));
  await writeDefinitions(ctx, snap.definitions);
  const tree = (await ctx.git.readCommit(tip)).tree;
  await writeOtherFiles(ctx, snap.other);
  await saveWorking(ctx.git, { base: tip, tables: new Map(snap.tables) });
  await syncIndex(ctx.git, tree);
  return { dir: ctx.dir, branch, commit: tip, tables: [...snap.tables.keys()].sort(), empty: false, bytesReceived: f.bytesReceived };
}

async function setUpstream(ctx: RepoContext, branch: string): Promise<void> {
  await ctx.git.setConfig(`branch.${branch}.remote`, REMOTE);
  await ctx.git.setConfig(`branch.${branch}.merge`, `refs/heads/${branch}`);
}

/**
 * Writes the regular files fv does not manage and enters them in the index
 * (syncIndex keeps such entries). Their names passed validation, so none
 * leaves the work tree; symbolic links and submodules are left to native git.
 */
async function writeOtherFiles(ctx: RepoContext, other: { path: string; oid: string; mode: string; type: string }[]): Promise<void> {
  const entries: IndexEntry[] = [];
  for (const e of other) {
    const files = e.type === 'tree' ? await listTreeFiles(ctx.git, e.oid, e.path + '/') : e.type === 'blob' ? [{ path: e.path, oid: e.oid, mode: e.mode }] : [];
    for (const f of files) {
      if (f.mode !== '100644' && f.mode !== '100755') continue;
      const file = path.join(ctx.dir, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, await ctx.git.readBlob(f.oid), { mode: f.mode === '100755' ? 0o777 : 0o666 });
      entries.push({ path: f.path, oid: f.oid, mode: parseInt(f.mode, 8), size: 0, skipWorktree: false });
    }
  }
  if (entries.length > 0) await writeIndexAtomic(ctx.git.gitdir, entries);
}
