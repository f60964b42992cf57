/**
 * A fetch as one all-or-nothing step. isomorphic-git moves the tracking refs
 * (`refs/remotes/<name>/*`), adds tags and rewrites `.git/shallow` before
 * the pack has even arrived, so everything a fetch may touch is recorded
 * first and put back if the transfer fails or what arrived does not pass
 * validation: the tracking refs, the tags, the shallow list, and any new
 * pack files.
 *
 * Tags come along as `git fetch` brings them, for a whole fetch (not a
 * single-branch or shallow one): every remote tag whose name is new here.
 * A tag that exists locally keeps its value, as git keeps it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import type { GitRepo } from '../storage/git.js';
import { fetchPack, listPackFiles } from '../storage/git-remote.js';
import { redactUrl } from '../storage/url-redact.js';
import type { ProgressFn } from '../storage/git-remote.js';
import { HistoryValidator, isFvCommit } from './remote-validate.js';

export interface FetchOptions {
  /** Fetch this branch (and require it to exist). */
  branch?: string;
  depth?: number;
  /** Only the one branch (clone --branch / --depth). */
  singleBranch?: boolean;
  onProgress?: ProgressFn;
}

export interface FetchResult {
  remote: string;
  /** Tracking refs that changed: short name (`origin/main`), old and new commit. */
  updated: { ref: string; from: string | null; to: string }[];
  /** Tags that arrived (short names, sorted) and the object each names. */
  tags: { tag: string; to: string }[];
  /** The remote's default branch (short name), when it says. */
  defaultBranch: string | null;
  bytesReceived: number;
}

interface Saved {
  refs: Map<string, Buffer>;
  /** Names of the loose tag refs (a fetch only ever adds loose ones). */
  tags: Set<string>;
  shallow: Buffer | null;
  packs: Set<string>;
}

function readTreeFiles(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) for (const [k, v] of readTreeFiles(path.join(dir, e.name), rel + '/')) out.set(k, v);
    else if (e.isFile()) out.set(rel, fs.readFileSync(path.join(dir, e.name)));
  }
  return out;
}

function save(gitdir: string, remote: string): Saved {
  const shallowFile = path.join(gitdir, 'shallow');
  return {
    refs: readTreeFiles(path.join(gitdir, 'refs', 'remotes', remote)),
    tags: new Set(readTreeFiles(path.join(gitdir, 'refs', 'tags')).keys()),
    shallow: fs.existsSync(shallowFile) ? fs.readFileSync(shallowFile) : null,
    packs: new Set(listPackFiles(gitdir)),
  };
}

function restore(gitdir: string, remote: string, s: Saved): void {
  const refsDir = path.join(gitdir, 'refs', 'remotes', remote);
  fs.rmSync(refsDir, { recursive: true, force: true });
  for (const [rel, bytes] of s.refs) {
    fs.mkdirSync(path.dirname(path.join(refsDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(refsDir, rel), bytes);
  }
  const tagsDir = path.join(gitdir, 'refs', 'tags');
  for (const rel of readTreeFiles(tagsDir).keys()) if (!s.tags.has(rel)) fs.rmSync(path.join(tagsDir, rel), { force: true });
  const shallowFile = path.join(gitdir, 'shallow');
  if (s.shallow === null) fs.rmSync(shallowFile, { force: true });
  else fs.writeFileSync(shallowFile, s.shallow);
  for (const f of listPackFiles(gitdir)) if (!s.packs.has(f)) fs.rmSync(path.join(gitdir, 'objects', 'pack', f), { force: true });
}

function refValues(files: Map<string, Buffer>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rel, bytes] of files) {
    const v = bytes.toString('utf8').trim();
    if (/^[0-9a-f]{40}$/.test(v)) out.set(rel, v);
  }
  return out;
}

function shallowSet(gitdir: string): Set<string> {
  const file = path.join(gitdir, 'shallow');
  return new Set(fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)) : []);
}

/** Commits the repository already trusts: what its refs point at (their history was checked when it arrived). */
async function knownCommits(git: GitRepo): Promise<Set<string>> {
  const known = new Set<string>();
  const all = readTreeFiles(path.join(git.gitdir, 'refs'));
  for (const v of refValues(all).values()) known.add(v);
  const packed = path.join(git.gitdir, 'packed-refs');
  if (fs.existsSync(packed)) for (const m of fs.readFileSync(packed, 'utf8').matchAll(/^([0-9a-f]{40}) /gm)) known.add(m[1]!);
  // A ref left pointing at a missing commit (a fetch killed half-way) vouches for nothing.
  for (const oid of [...known]) if (!(await git.hasObject(oid))) known.delete(oid);
  return known;
}

/**
 * Fetches `remote` at `url` (the caller holds the repository lock) and
 * validates everything new. `requireFv`: the tracking branch that must be an
 * fv snapshot afterwards (pull, clone); otherwise at least one fetched
 * branch must be.
 */
export async function fetchValidated(git: GitRepo, remote: string, url: string, opts: FetchOptions & { requireFv?: string }): Promise<FetchResult> {
  const before = save(git.gitdir, remote);
  const known = await knownCommits(git);
  try {
    const r = await fetchPack({
      gitdir: git.gitdir, url, remote, onProgress: opts.onProgress,
      ...(opts.branch !== undefined ? { ref: opts.branch } : {}),
      ...(opts.depth !== undefined ? { depth: opts.depth } : {}),
      singleBranch: opts.singleBranch === true,
      tags: opts.singleBranch !== true && opts.depth === undefined,
    });
    // Old values that were missing count as absent, so what arrives for them is validated.
    const oldRefs = new Map([...refValues(before.refs)].filter(([, oid]) => known.has(oid)));
    const newRefs = refValues(readTreeFiles(path.join(git.gitdir, 'refs', 'remotes', remote)));
    const updated: FetchResult['updated'] = [];
    for (const [rel, oid] of newRefs) {
      if (rel === 'HEAD' || oldRefs.get(rel) === oid) continue;
      updated.push({ ref: `${remote}/${rel}`, from: oldRefs.get(rel) ?? null, to: oid });
    }
    const tags = newTags(git.gitdir, before);
    const tips = [...updated.map((u) => u.to), ...(await taggedCommits(git, tags))];
    await new HistoryValidator(git).validate(tips, known, shallowSet(git.gitdir));
    if (newRefs.size > 0) await requireFvHistory(git, remote, newRefs, opts.requireFv, url);
    updated.sort((a, b) => (a.ref < b.ref ? -1 : 1));
    const defaultBranch = r.defaultBranch?.startsWith('refs/heads/') ? r.defaultBranch.slice('refs/heads/'.length) : null;
    return { remote, updated, tags, defaultBranch, bytesReceived: r.bytesReceived };
  } catch (e) {
    restore(git.gitdir, remote, before);
    throw e;
  }
}

/** The tags the fetch added, by name. */
function newTags(gitdir: string, before: Saved): FetchResult['tags'] {
  const now = refValues(readTreeFiles(path.join(gitdir, 'refs', 'tags')));
  return [...now].filter(([tag]) => !before.tags.has(tag)).map(([tag, to]) => ({ tag, to })).sort((a, b) => (a.tag < b.tag ? -1 : 1));
}

/**
 * The commits new tags name (through annotated tags), to be validated like
 * fetched branches. A tag of a tree or blob names no history fv would read.
 */
async function taggedCommits(git: GitRepo, tags: FetchResult['tags']): Promise<string[]> {
  const out: string[] = [];
  for (const { tag, to } of tags) {
    let target: string;
    try {
      target = await git.peel(to);
    } catch {
      throw new FvError('REMOTE_ERROR', `the remote sent an incomplete history: tag ${tag} (${to}) names a missing object`, { hint: 'nothing was changed; try again, or check the remote with `git fsck`' });
    }
    if ((await git.objectType(target)) === 'commit') out.push(target);
  }
  return out;
}

async function requireFvHistory(git: GitRepo, remote: string, refs: Map<string, string>, branch: string | undefined, url: string): Promise<void> {
  const notFv = (what: string): FvError =>
    new FvError('REMOTE_ERROR', `${redactUrl(url)} is not an fv repository (${what} has no fv.json)`, { hint: 'nothing was changed; fv exchanges history with repositories made by `fv init`' });
  if (branch !== undefined) {
    const oid = refs.get(branch);
    if (oid === undefined) throw new FvError('UNKNOWN_REF', `the remote has no branch ${branch}`, { hint: `push it first, or name another branch` });
    if (!(await isFvCommit(git, oid))) throw notFv(`branch ${branch}`);
    return;
  }
  for (const [rel, oid] of refs) if (rel !== 'HEAD' && (await isFvCommit(git, oid))) return;
  throw notFv(`no branch of ${remote}`);
}
