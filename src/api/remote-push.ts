/**
 * `fv push [<remote>] [<branch>] [--tags] [--force]`.
 *
 * isomorphic-git builds the whole pack of a push in memory, so pushing a
 * long history in one go would need memory in proportion to all of it.
 * fv therefore pushes in steps along the first-parent chain, oldest first:
 * commits are grouped until the chunks they add (manifests record each
 * chunk's size) reach PUSH_STEP_BYTES, and each group is one ordinary
 * fast-forward push. Peak memory follows the largest step, not the history
 * (bench/remote.mjs measures it). A single commit larger than a step is
 * still sent whole.
 */
import { FvError } from '../errors/FvError.js';
import { listServerRefs, pushRef } from '../storage/git-remote.js';
import type { ProgressFn } from '../storage/git-remote.js';
import { redactUrl } from '../storage/url-redact.js';
import { allChunkRefs } from '../table/manifest.js';
import type { RepoContext } from './context.js';
import { resolveRemote } from './remote.js';

/** Chunk bytes per push step. */
export const PUSH_STEP_BYTES = 64 * 1024 * 1024;

export interface PushOptions {
  tags?: boolean;
  force?: boolean;
  onProgress?: ProgressFn;
  /** Test and benchmark hook: a smaller step size. */
  stepBytes?: number;
}

export interface PushResult {
  remote: string;
  branch: string;
  status: 'up-to-date' | 'pushed';
  from: string | null;
  to: string;
  /** Number of pushes the history was sent in. */
  steps: number;
  tags: string[];
  bytesSent: number;
}

async function ancestors(ctx: RepoContext, tips: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...tips];
  while (queue.length > 0) {
    const oid = queue.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    // A shallow clone lacks the oldest parents; the remote has them anyway.
    const c = await ctx.git.readCommit(oid).catch(() => null);
    if (c !== null) queue.push(...c.parents);
  }
  return seen;
}

/** The commits the remote lacks along the first-parent chain, oldest first, cut into steps of about `stepBytes` of new chunks. */
async function planSteps(ctx: RepoContext, tip: string, remoteHas: Set<string>, stepBytes: number): Promise<string[]> {
  const chain: string[] = [];
  let base: string | null = null;
  for (let oid: string | undefined = tip; oid !== undefined; ) {
    if (remoteHas.has(oid)) {
      base = oid;
      break;
    }
    chain.push(oid);
    oid = (await ctx.git.readCommit(oid).catch(() => null))?.parents[0];
  }
  chain.reverse();
  const counted = new Set<string>();
  if (base !== null) for (const c of await chunksOf(ctx, base)) counted.add(c.oid);
  const steps: string[] = [];
  let pending = 0;
  for (let i = 0; i < chain.length; i++) {
    let added = 0;
    for (const c of await chunksOf(ctx, chain[i]!)) {
      if (counted.has(c.oid)) continue;
      counted.add(c.oid);
      added += c.bytes;
    }
    // Close the step before this commit if it would overflow it.
    if (pending > 0 && pending + added > stepBytes) {
      steps.push(chain[i - 1]!);
      pending = 0;
    }
    pending += added;
  }
  // Always end at the tip: even when the remote holds every object (through
  // another branch), its ref for this branch still has to move.
  steps.push(tip);
  return steps;
}

async function chunksOf(ctx: RepoContext, commit: string): Promise<{ oid: string; bytes: number }[]> {
  const snap = await ctx.snapshot(commit);
  const out: { oid: string; bytes: number }[] = [];
  for (const [name, oid] of snap.tables) for (const c of allChunkRefs(await ctx.manifest(oid, name))) out.push({ oid: c.oid, bytes: c.bytes });
  return out;
}

export async function push(ctx: RepoContext, remote: string | undefined, branch: string | undefined, opts: PushOptions = {}): Promise<PushResult> {
  return ctx.withLock('push', async () => {
    const r = await resolveRemote(ctx, remote);
    const b = branch ?? (await ctx.branch());
    if (b === null) throw new FvError('BAD_USAGE', 'HEAD is detached: name the branch to push', { hint: 'fv push <remote> <branch>' });
    const local = await ctx.git.readRef(`refs/heads/${b}`);
    if (local === null) throw new FvError('UNKNOWN_REF', `no local branch ${JSON.stringify(b)}`, { hint: 'see `fv branch`' });
    const target = { gitdir: ctx.git.gitdir, url: r.url, remote: r.name, onProgress: opts.onProgress };
    const serverRefs = await listServerRefs(target, { forPush: true });
    const remoteOid = serverRefs.find((x) => x.ref === `refs/heads/${b}`)?.oid ?? null;
    const result: PushResult = { remote: r.name, branch: b, status: 'up-to-date', from: remoteOid, to: local, steps: 0, tags: [], bytesSent: 0 };
    if (remoteOid !== local) {
      // Checked here, before any byte is sent: the remote must be an ancestor of ours unless --force.
      const present = serverRefs.filter((x) => x.ref.startsWith('refs/heads/')).map((x) => x.oid);
      const remoteHas = await ancestors(ctx, (await Promise.all(present.map(async (o) => ((await ctx.git.hasObject(o)) ? o : null)))).filter((o): o is string => o !== null));
      if (remoteOid !== null && !opts.force && !(await ancestors(ctx, [local])).has(remoteOid)) {
        throw new FvError('PUSH_REJECTED', `push to ${redactUrl(r.url)} rejected: ${r.name}/${b} has commits that ${b} does not have (non-fast-forward)`, {
          hint: `run \`fv pull ${r.name} ${b}\` first, then push again (or \`fv push --force\` to overwrite the remote history)`,
        });
      }
      const steps = await planSteps(ctx, local, remoteHas, opts.stepBytes ?? PUSH_STEP_BYTES);
      for (let i = 0; i < steps.length; i++) {
        const sent = await pushRef({ ...target, oid: steps[i]!, remoteRef: `refs/heads/${b}`, force: opts.force === true && i === 0 });
        result.bytesSent += sent.bytesSent;
      }
      result.steps = steps.length;
      result.status = 'pushed';
      // Like `git push -u` on first push: later pulls and pushes know where to go.
      if ((await ctx.git.getConfig(`branch.${b}.remote`)) === undefined) {
        await ctx.git.setConfig(`branch.${b}.remote`, r.name);
        await ctx.git.setConfig(`branch.${b}.merge`, `refs/heads/${b}`);
      }
    }
    if (opts.tags) {
      for (const t of await ctx.git.listTags()) {
        const oid = await ctx.git.readRef(`refs/tags/${t}`);
        if (oid === null) continue;
        const theirs = serverRefs.find((x) => x.ref === `refs/tags/${t}`)?.oid;
        if (theirs === oid) continue;
        if (theirs !== undefined && !opts.force) throw new FvError('PUSH_REJECTED', `tag ${t} already exists on ${r.name} with another value`, { hint: 'use --force to overwrite it' });
        // No tracking ref for tags: isomorphic-git would file it under refs/remotes/<name>/refs/tags.
        const sent = await pushRef({ gitdir: ctx.git.gitdir, url: r.url, onProgress: opts.onProgress, oid, remoteRef: `refs/tags/${t}`, force: opts.force === true });
        result.bytesSent += sent.bytesSent;
        result.tags.push(t);
      }
      if (result.tags.length > 0 && result.status === 'up-to-date') result.status = 'pushed';
    }
    return result;
  });
}
