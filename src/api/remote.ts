/**
 * `fv remote add|remove|list`, `fv fetch`, `fv pull`. Remotes live where git
 * keeps them (`[remote "<name>"]` in .git/config), so native git sees the
 * same remotes. A pull is a validated fetch, then fv's own merge of the
 * tracking branch (api/merge.ts): a fast-forward or a cell-level merge.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { addRemote, deleteRemote, listRemotes } from '../storage/git-remote.js';
import type { ProgressFn } from '../storage/git-remote.js';
import { redactUrl } from '../storage/url-redact.js';
import type { RepoContext } from './context.js';
import { merge, refuseWhileMerging, requireCleanWorkingState } from './merge.js';
import type { MergeResult } from './merge.js';
import { fetchValidated } from './remote-fetch.js';
import type { FetchResult } from './remote-fetch.js';

export interface RemoteInfo {
  name: string;
  /** As configured, userinfo removed (it may hold a password). */
  url: string;
}

const REMOTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function checkRemoteName(name: string): string {
  if (!REMOTE_NAME.test(name) || name.includes('..') || name.endsWith('.lock') || name === 'HEAD') {
    throw new FvError('BAD_NAME', `invalid remote name ${JSON.stringify(name)}`, { hint: 'remote names are letters, digits, "_", "." and "-" (like origin)' });
  }
  return name;
}

/** fv speaks smart HTTP(S) only; anything else is refused before it reaches the config. */
export function checkRemoteUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FvError('BAD_USAGE', `not a URL: ${redactUrl(url)}`, { hint: 'use an http:// or https:// URL of a git repository' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new FvError('BAD_USAGE', `unsupported remote URL ${redactUrl(url)}: fv talks smart HTTP(S) only`, { hint: 'use an http:// or https:// URL of a git repository' });
  }
  return url;
}

export async function listRemoteInfo(ctx: RepoContext): Promise<RemoteInfo[]> {
  const all = await listRemotes(ctx.dir, ctx.git.gitdir);
  return all.map((r) => ({ name: r.name, url: redactUrl(r.url) })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function addRemoteConfig(ctx: RepoContext, name: string, url: string): Promise<RemoteInfo> {
  checkRemoteName(name);
  checkRemoteUrl(url);
  return ctx.withLock('remote', async () => {
    if ((await ctx.git.getConfig(`remote.${name}.url`)) !== undefined) throw new FvError('REF_EXISTS', `remote ${name} already exists`, { hint: `remove it first with \`fv remote remove ${name}\`` });
    await addRemote(ctx.dir, ctx.git.gitdir, name, url);
    return { name, url: redactUrl(url) };
  });
}

export async function removeRemoteConfig(ctx: RepoContext, name: string): Promise<RemoteInfo> {
  return ctx.withLock('remote', async () => {
    const url = await ctx.git.getConfig(`remote.${name}.url`);
    if (url === undefined) throw new FvError('UNKNOWN_REMOTE', `no remote named ${JSON.stringify(name)}`, { hint: 'see `fv remote list`' });
    await deleteRemote(ctx.dir, ctx.git.gitdir, name);
    // Its tracking refs go with it, as with `git remote remove`.
    fs.rmSync(path.join(ctx.git.gitdir, 'refs', 'remotes', name), { recursive: true, force: true });
    for (const b of await ctx.git.listBranches()) {
      if ((await ctx.git.getConfig(`branch.${b}.remote`)) === name) {
        await ctx.git.setConfig(`branch.${b}.remote`, undefined as unknown as string);
        await ctx.git.setConfig(`branch.${b}.merge`, undefined as unknown as string);
      }
    }
    return { name, url: redactUrl(url) };
  });
}

/** The remote to use: the one named, else the current branch's upstream, else origin, else the only one. */
export async function resolveRemote(ctx: RepoContext, name: string | undefined): Promise<{ name: string; url: string }> {
  if (name === undefined) {
    const branch = await ctx.branch();
    const upstream = branch !== null ? await ctx.git.getConfig(`branch.${branch}.remote`) : undefined;
    const all = await listRemotes(ctx.dir, ctx.git.gitdir);
    name = upstream ?? (all.some((r) => r.name === 'origin') ? 'origin' : all.length === 1 ? all[0]!.name : undefined);
    if (name === undefined) {
      throw new FvError('UNKNOWN_REMOTE', all.length === 0 ? 'no remote is configured' : 'several remotes are configured and none is origin', { hint: all.length === 0 ? 'add one with `fv remote add origin <url>`' : 'name the remote to use' });
    }
  }
  checkRemoteName(name);
  const url = await ctx.git.getConfig(`remote.${name}.url`);
  if (url === undefined) throw new FvError('UNKNOWN_REMOTE', `no remote named ${JSON.stringify(name)}`, { hint: 'see `fv remote list`, or add it with `fv remote add <name> <url>`' });
  return { name, url };
}

/** The remote branch the current branch pulls from (branch.<b>.merge), else the same name. */
async function upstreamBranch(ctx: RepoContext, branch: string): Promise<string> {
  const merge = await ctx.git.getConfig(`branch.${branch}.merge`);
  return merge?.startsWith('refs/heads/') ? merge.slice('refs/heads/'.length) : branch;
}

export async function fetchRemote(ctx: RepoContext, remote: string | undefined, opts: { onProgress?: ProgressFn } = {}): Promise<FetchResult> {
  return ctx.withLock('fetch', async () => {
    const r = await resolveRemote(ctx, remote);
    return fetchValidated(ctx.git, r.name, r.url, { onProgress: opts.onProgress });
  });
}

export interface PullOptions {
  author?: string;
  onProgress?: ProgressFn;
}

export interface PullResult {
  remote: string;
  branch: string;
  fetch: FetchResult;
  merge: MergeResult;
}

export async function pull(ctx: RepoContext, remote: string | undefined, branch: string | undefined, opts: PullOptions = {}): Promise<PullResult> {
  const fetched = await ctx.withLock('pull', async () => {
    // Refuse before transferring anything: the merge would refuse afterwards anyway.
    await refuseWhileMerging(ctx, 'pull');
    const head = await ctx.head();
    const headSnap = await ctx.snapshot(head);
    requireCleanWorkingState(ctx, headSnap, await ctx.working(head, headSnap), 'pull');
    const r = await resolveRemote(ctx, remote);
    const current = await ctx.branch();
    const b = branch ?? (current !== null ? await upstreamBranch(ctx, current) : undefined);
    if (b === undefined) throw new FvError('BAD_USAGE', 'HEAD is detached: name the branch to pull', { hint: 'fv pull <remote> <branch>' });
    const f = await fetchValidated(ctx.git, r.name, r.url, { branch: b, requireFv: b, onProgress: opts.onProgress });
    return { r, b, f };
  });
  const m = await merge(ctx, `refs/remotes/${fetched.r.name}/${fetched.b}`, { message: `Merge branch '${fetched.b}' of ${redactUrl(fetched.r.url)}`, author: opts.author });
  return { remote: fetched.r.name, branch: fetched.b, fetch: fetched.f, merge: m };
}
