/**
 * `fv gc [--dry-run]`: removes loose git objects that nothing can reach.
 *
 * Roots (everything that may still need an object):
 *   - every ref under refs/ (branches, tags, remote-tracking refs, notes,
 *     stash, anything else), packed-refs, and HEAD-like files in the git
 *     directory (HEAD, ORIG_HEAD, MERGE_HEAD, FETCH_HEAD...);
 *   - reflogs (.git/logs) and the git index, as `git fsck` counts them,
 *     also those of linked work trees (.git/worktrees/*);
 *   - every file under .git/fv/: working.json (uncommitted imports point at
 *     manifests and chunks no ref reaches yet), merge.json (a merge in
 *     progress), and any state file added later;
 *   - every training-set lock file (`*.lock.json`) in the work tree: the
 *     commit it records must stay rebuildable.
 * State and lock files are not parsed field by field: every 40-hex-digit
 * word in them is taken as a root. That keeps gc correct when those formats
 * grow, at the price of maybe keeping an object too many.
 * A root that is a JSON blob (a working manifest) is scanned the same way,
 * which reaches its chunks.
 *
 * Objects are read for marking through fv's own reader (a packed object by its
 * offset), so marking never loads a whole pack.
 *
 * Loose objects are removed one by one. A pack (fv writes one per import)
 * is removed only whole, when none of its objects is reachable: a pack that
 * is partly reachable is left to `git gc` (which rewrites packs), and so
 * are packs git marked to keep (`.keep`) or wrote as cruft (`.mtimes`).
 * The leftovers of a pack writer that was killed are removed too: fv's temp
 * files in objects/pack (`tmp_pack_fv-<pid>-*`, `tmp_idx_fv-<pid>-*`) once
 * that pid is gone, and a `.pack` that never got its `.idx`.
 *
 * The repository lock is held while deciding and deleting, so no fv command
 * moves a ref or the working state in between; and a loose object or pack
 * younger than the grace period (default one hour, `--grace` or
 * FV_GC_GRACE) is kept anyway, so a writer that does not take fv's lock
 * (native git, an fv process that has written objects but not yet moved a
 * ref) is safe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { git } from '../storage/iso-git.js';
import { FvError } from '../errors/FvError.js';
import { parseDuration } from '../features/duration.js';
import { decodeIndex } from '../storage/git-index.js';
import { parseCommit, rawTreeEntries, tagTarget } from '../storage/git-object-parse.js';
import { ObjectReader } from '../storage/object-reader.js';
import type { RawObject } from '../storage/object-reader.js';
import { PackIndex } from '../storage/pack-reader.js';
import { tempPackWriterPid } from '../storage/pack-writer.js';
import { pidAlive } from '../storage/repo-lock.js';
import type { RepoContext } from './context.js';
import { walkFiles } from '../storage/walk-files.js';

export const DEFAULT_GC_GRACE = 'PT1H';

export interface GcOptions {
  /** List what would be removed; remove nothing. */
  dryRun?: boolean;
  /** ISO-8601 duration: loose objects modified more recently are kept. Default FV_GC_GRACE or PT1H. */
  grace?: string;
}

export interface GcObject {
  oid: string;
  type: string;
  /** Size of the loose object file on disk (compressed). */
  bytes: number;
}

export interface GcPack {
  /** The pack's file name in objects/pack (its .idx goes with it). */
  name: string;
  objects: number;
  /** Size of the .pack and .idx files. */
  bytes: number;
}

export interface GcResult {
  dryRun: boolean;
  grace: string;
  /** Unreachable loose objects removed (or that would be, with dryRun), by oid. */
  removed: GcObject[];
  /** Packs none of whose objects is reachable, removed (or that would be) whole. */
  removedPacks: GcPack[];
  /** Files in objects/pack left by a killed pack writer, removed (or that would be). */
  leftovers: string[];
  /** Bytes of the removed loose objects. */
  bytes: number;
  /** Loose objects kept because something reaches them. */
  reachableLoose: number;
  /** Unreachable loose objects kept because they are younger than the grace period. */
  young: number;
}

const HEX40 = /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/g;
/** State and lock files larger than this are not fv's (lock files are capped far lower); they are not scanned. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

function graceNanos(text: string): bigint {
  const d = parseDuration(text);
  if ('error' in d) throw new FvError('BAD_USAGE', `gc grace period ${JSON.stringify(text)}: ${d.error}`);
  return d.nanos;
}

function hexWords(text: string): string[] {
  return text.match(HEX40) ?? [];
}

function readIfSmall(file: string): string | null {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_SCAN_BYTES) return null;
    return fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

interface Roots {
  /** Roots whose type is known from where they were found (commits from refs, blobs from the index). */
  plain: string[];
  /** Roots found in state and lock files: of any type; a JSON blob among them is scanned for more. */
  scanned: string[];
}

function collectRoots(dir: string, gitdir: string): Roots {
  const plain: string[] = [];
  const scanned: string[] = [];
  const addFile = (file: string, into: string[]): void => {
    const t = readIfSmall(file);
    if (t !== null) into.push(...hexWords(t));
  };
  for (const f of walkFiles(path.join(gitdir, 'refs'))) addFile(f, plain);
  addFile(path.join(gitdir, 'packed-refs'), plain);
  // The main work tree's HEADs, reflogs and index, and those of linked work trees (`git worktree add`).
  const linked = path.join(gitdir, 'worktrees');
  const adminDirs = [gitdir, ...(fs.existsSync(linked) ? fs.readdirSync(linked).map((w) => path.join(linked, w)) : [])];
  for (const admin of adminDirs) {
    let names: string[];
    try {
      names = fs.readdirSync(admin);
    } catch {
      continue;
    }
    for (const name of names) if (/^[A-Z_]*HEAD$/.test(name)) addFile(path.join(admin, name), plain);
    for (const f of walkFiles(path.join(admin, 'logs'))) addFile(f, plain);
    const index = path.join(admin, 'index');
    if (!fs.existsSync(index)) continue;
    try {
      for (const e of decodeIndex(fs.readFileSync(index))) if (e.mode !== 0o160000) plain.push(e.oid);
    } catch (e) {
      // An index gc cannot read could name anything: removing objects would be a guess.
      throw new FvError('CORRUPT', `cannot read the git index ${path.relative(dir, index)}, so gc cannot tell what it needs: ${(e as Error).message}`, { hint: 'run `git status` to check the repository, then retry' });
    }
  }
  for (const f of walkFiles(path.join(gitdir, 'fv'))) addFile(f, scanned);
  for (const f of walkFiles(dir, (name) => name === '.git')) if (f.endsWith('.lock.json')) addFile(f, scanned);
  return { plain, scanned };
}

/** Loose object id -> its file. */
function looseObjects(gitdir: string): Map<string, string> {
  const out = new Map<string, string>();
  const objects = path.join(gitdir, 'objects');
  for (const fan of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    for (const rest of fs.readdirSync(path.join(objects, fan))) if (/^[0-9a-f]{38}$/.test(rest)) out.set(fan + rest, path.join(objects, fan, rest));
  }
  return out;
}

/** The type of a loose object, from the start of its header. */
function looseType(file: string): string {
  try {
    const head = fs.readFileSync(file).subarray(0, 256);
    const text = inflateSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('latin1');
    return text.slice(0, text.indexOf(' ')) || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Files of a pack writer that was killed: fv's temp files whose writer is gone, a .pack without its .idx. */
function packLeftovers(packDir: string, cutoffMs: number): string[] {
  const names = fs.existsSync(packDir) ? fs.readdirSync(packDir) : [];
  const present = new Set(names);
  return names.filter((name) => {
    const pid = tempPackWriterPid(name);
    if (pid !== undefined) return !pidAlive(pid) || modifiedBefore(path.join(packDir, name), cutoffMs);
    // A writer installs the .pack, then its .idx; only a killed one leaves the first alone for long.
    return name.endsWith('.pack') && !present.has(name.slice(0, -5) + '.idx') && modifiedBefore(path.join(packDir, name), cutoffMs);
  });
}

function modifiedBefore(file: string, cutoffMs: number): boolean {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st !== undefined && st.mtimeMs <= cutoffMs;
}

/** Indexed packs none of whose objects is reachable, older than the cutoff, and neither kept nor cruft. */
function unreachablePacks(packDir: string, reachable: Set<string>, cutoffMs: number): GcPack[] {
  const names = fs.existsSync(packDir) ? fs.readdirSync(packDir) : [];
  const present = new Set(names);
  const out: GcPack[] = [];
  for (const name of names) {
    if (!/^pack-[0-9a-f]+\.pack$/.test(name)) continue;
    const base = name.slice(0, -5);
    if (present.has(base + '.keep') || present.has(base + '.mtimes') || !present.has(base + '.idx')) continue;
    const packFile = path.join(packDir, name);
    const idxFile = path.join(packDir, base + '.idx');
    if (!modifiedBefore(packFile, cutoffMs)) continue;
    const index = PackIndex.parse(fs.readFileSync(idxFile), packFile);
    if (index === undefined) continue; // an index format fv does not read: not fv's pack
    let live = false;
    for (const oid of index.ids()) if ((live = reachable.has(oid))) break;
    if (!live) out.push({ name, objects: index.count, bytes: fs.statSync(packFile).size + fs.statSync(idxFile).size });
  }
  return out;
}

/**
 * Reads objects for marking through fv's reader, which takes a packed object
 * by its offset (isomorphic-git would load each import's whole pack into
 * memory to read the one manifest in it); isomorphic-git only for a pack fv's
 * reader cannot index. Null when the object is absent.
 */
function objectSource(gitdir: string): (oid: string) => Promise<RawObject | null> {
  const reader = new ObjectReader(gitdir);
  const cache = {};
  return async (oid) => {
    try {
      const raw = reader.read(oid);
      if (raw !== undefined || reader.complete) return raw ?? null;
      const o = await git.readObject({ fs, gitdir, oid, format: 'content', cache });
      return { type: o.type as RawObject['type'], data: Buffer.from(o.object as Uint8Array) };
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFoundError') return null;
      // An object that is there but unreadable may name others: deleting anything now would be a guess.
      throw new FvError('CORRUPT', `cannot read git object ${oid} (${(e as Error).message}); gc removed nothing`, { hint: 'run `git fsck --full` to check the repository' });
    }
  };
}

/** Marks everything reachable from the roots. Missing objects are skipped (a shallow or partial clone). */
async function mark(gitdir: string, roots: Roots): Promise<Set<string>> {
  const seen = new Set<string>();
  const read = objectSource(gitdir);
  /** Blobs already scanned for ids (a blob first met in a tree is marked without being read). */
  const scanned = new Set<string>();
  const queue: Array<{ oid: string; scan: boolean; blob?: boolean }> = [
    ...roots.plain.map((oid) => ({ oid, scan: false })),
    ...roots.scanned.map((oid) => ({ oid, scan: true })),
  ];
  while (queue.length > 0) {
    const { oid, scan, blob } = queue.pop()!;
    if (scan ? scanned.has(oid) : seen.has(oid)) continue;
    seen.add(oid);
    if (scan) scanned.add(oid);
    // A blob named by a tree or the index needs no reading; a scanned root might be a manifest.
    if (blob && !scan) continue;
    const o = await read(oid);
    if (o === null) continue;
    if (o.type === 'commit') {
      const c = parseCommit(oid, o.data);
      queue.push({ oid: c.tree, scan: false }, ...c.parents.map((p) => ({ oid: p, scan: false })));
    } else if (o.type === 'tree') {
      // Names unchecked: gc must reach everything native git may have committed.
      const entries = rawTreeEntries(o.data);
      // What a malformed tree names is unknown: deleting anything now would be a guess.
      if (entries === undefined) throw new FvError('CORRUPT', `git tree ${oid} is malformed; gc removed nothing`, { hint: 'run `git fsck --full` to check the repository' });
      for (const e of entries) {
        // A submodule's commit lives in another repository.
        if (e.type !== 'commit') queue.push({ oid: e.oid, scan: false, blob: e.type === 'blob' });
      }
    } else if (o.type === 'tag') {
      queue.push({ oid: tagTarget(oid, o.data), scan: false });
    } else if (o.type === 'blob' && scan) {
      // Working manifests are JSON naming their chunks; binary blobs (chunks) name nothing.
      if (o.data.length <= MAX_SCAN_BYTES && o.data[0] === 0x7b) for (const x of hexWords(o.data.toString('latin1'))) queue.push({ oid: x, scan: true });
    }
  }
  return seen;
}

export async function gc(ctx: RepoContext, opts: GcOptions = {}): Promise<GcResult> {
  const grace = opts.grace ?? (process.env.FV_GC_GRACE || DEFAULT_GC_GRACE);
  const graceNs = graceNanos(grace);
  return ctx.withLock('gc', async () => {
    const gitdir = ctx.git.gitdir;
    const reachable = await mark(gitdir, collectRoots(ctx.dir, gitdir));
    const cutoffMs = Date.now() - Number(graceNs / 1000000n);
    const removed: GcObject[] = [];
    let reachableLoose = 0, young = 0, bytes = 0;
    for (const [oid, file] of [...looseObjects(gitdir)].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (reachable.has(oid)) {
        reachableLoose++;
        continue;
      }
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.mtimeMs > cutoffMs) {
        young++;
        continue;
      }
      removed.push({ oid, type: looseType(file), bytes: st.size });
      bytes += st.size;
    }
    const packDir = path.join(gitdir, 'objects', 'pack');
    const removedPacks = unreachablePacks(packDir, reachable, cutoffMs);
    const leftovers = packLeftovers(packDir, cutoffMs);
    if (!opts.dryRun) {
      for (const o of removed) {
        const file = path.join(gitdir, 'objects', o.oid.slice(0, 2), o.oid.slice(2));
        fs.rmSync(file, { force: true });
      }
      // Emptied fan-out directories are left in place: a writer that does not take the lock
      // may have just created one and be about to write into it.
      // A pack's .idx goes first: no reader ever finds an index without its pack.
      for (const p of removedPacks) for (const ext of ['.idx', '.pack']) fs.rmSync(path.join(packDir, p.name.slice(0, -5) + ext), { force: true });
      for (const f of leftovers) fs.rmSync(path.join(packDir, f), { force: true });
    }
    return { dryRun: opts.dryRun === true, grace, removed, removedPacks, leftovers, bytes, reachableLoose, young };
  });
}
