/**
 * What fv checks in history it received from a remote, before any ref it
 * owns (a branch, HEAD, the working state) moves to it. A remote is not
 * trusted: its trees could name `..`, absolute or overlong paths that a
 * later checkout (fv's or native git's) would write outside the work tree,
 * or hold manifests that do not describe the chunks beside them.
 *
 * Checked for every commit reachable from the new tips that was not known
 * before the fetch (each tree once):
 * - every tree entry name: not empty, no `/`, no NUL, not `.`, `..` or
 *   `.git` (any case), at most 255 bytes; modes git knows;
 * - under `.fv/tables/`: table names as SPEC section 1, each table holding a
 *   `manifest.json` blob of at most 64 MiB that decodes, and chunks named
 *   `<xx>/<oid>.arrow` after their own blob id, every chunk the manifest
 *   lists present;
 * - `fv.json` and `features.json` at most 16 MiB.
 */
import { FvError } from '../errors/FvError.js';
import type { GitRepo } from '../storage/git.js';
import { readRawTree } from '../storage/git-remote.js';
import type { RawTreeEntry as TreeEntry } from '../storage/git-remote.js';
import { allChunkRefs, decodeManifest } from '../table/manifest.js';
import { CHUNKS_DIR, DATA_DIR, DEFINITIONS_FILE, MANIFEST_FILE, SETTINGS_FILE, checkTableName } from '../versioning/layout.js';

export const MAX_NAME_BYTES = 255;
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
export const MAX_SETTINGS_BYTES = 16 * 1024 * 1024;

const MODES = new Set(['100644', '100755', '040000', '120000', '160000']);

function unsafe(what: string): FvError {
  return new FvError('UNSAFE_REMOTE', `refusing what the remote sent: ${what}`, { hint: 'nothing was changed; the remote repository is damaged or hostile' });
}

function show(name: string): string {
  return JSON.stringify(name.length > 80 ? name.slice(0, 80) + '...' : name);
}

function checkEntry(e: TreeEntry, where: string): void {
  const name = e.path;
  if (name.length === 0) throw unsafe(`an empty file name in ${where}`);
  if (name.includes('/') || name.includes('\0')) throw unsafe(`the path ${show(name)} in ${where} (a name with "/" or NUL, e.g. an absolute path)`);
  if (name === '.' || name === '..') throw unsafe(`the path component ${show(name)} in ${where}`);
  if (name.toLowerCase().replace(/[. ]+$/, '') === '.git') throw unsafe(`a ${show(name)} entry in ${where}`);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw unsafe(`an oversized file name (${Buffer.byteLength(name, 'utf8')} bytes) in ${where}`);
  if (!MODES.has(e.mode)) throw unsafe(`file mode ${e.mode} of ${show(name)} in ${where}`);
}

export class HistoryValidator {
  private readonly seenTrees = new Set<string>();
  private readonly seenCommits = new Set<string>();
  /** isomorphic-git's pack cache, shared by all reads of one validation. */
  private readonly cache = {};

  constructor(private readonly git: GitRepo) {}

  /** Checks every commit from `tips` down to (not including) the `known` ones and shallow boundaries. */
  async validate(tips: string[], known: Set<string>, shallow: Set<string>): Promise<void> {
    const queue = tips.filter((t) => !known.has(t));
    while (queue.length > 0) {
      const oid = queue.pop()!;
      if (this.seenCommits.has(oid) || known.has(oid)) continue;
      this.seenCommits.add(oid);
      const c = await this.readCommit(oid);
      await this.tree(c.tree, '/', 0);
      if (!shallow.has(oid)) queue.push(...c.parents);
    }
  }

  private async readCommit(oid: string) {
    try {
      return await this.git.readCommit(oid);
    } catch {
      throw new FvError('REMOTE_ERROR', `the remote sent an incomplete history: commit ${oid} is missing`, { hint: 'nothing was changed; try again, or check the remote with `git fsck`' });
    }
  }

  private async readTree(oid: string, where: string): Promise<TreeEntry[]> {
    const entries = await readRawTree(this.git.gitdir, oid, this.cache);
    if (entries === null) throw new FvError('REMOTE_ERROR', `the remote sent an incomplete history: tree ${where} (${oid}) is missing`, { hint: 'nothing was changed' });
    return entries;
  }

  private async blobSize(oid: string, where: string, max: number): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await this.git.readBlob(oid);
    } catch {
      throw new FvError('REMOTE_ERROR', `the remote sent an incomplete history: ${where} (${oid}) is missing`, { hint: 'nothing was changed' });
    }
    if (bytes.length > max) throw unsafe(`${where} is oversized (${bytes.length} bytes, at most ${max})`);
    return bytes;
  }

  /** Walks a tree; `path` is where it sits ("/" for the root). */
  private async tree(oid: string, path: string, depth: number): Promise<void> {
    if (this.seenTrees.has(oid)) return;
    if (depth > 64) throw unsafe(`trees nested deeper than 64 levels at ${path}`);
    const entries = await this.readTree(oid, path);
    for (const e of entries) checkEntry(e, path);
    for (const e of entries) {
      const p = path === '/' ? e.path : `${path}/${e.path}`;
      if (path === '/' && (e.path === SETTINGS_FILE || e.path === DEFINITIONS_FILE) && e.type === 'blob') await this.blobSize(e.oid, e.path, MAX_SETTINGS_BYTES);
      if (e.type !== 'tree') {
        if (p.startsWith(DATA_DIR + '/') && e.mode !== '100644') throw unsafe(`${show(p)} (mode ${e.mode}) inside ${DATA_DIR}`);
        continue;
      }
      if (p === `${DATA_DIR}/tables`) await this.tablesTree(e.oid, p);
      else await this.tree(e.oid, p, depth + 1);
    }
    this.seenTrees.add(oid);
  }

  private async tablesTree(oid: string, path: string): Promise<void> {
    if (this.seenTrees.has(oid)) return;
    for (const t of await this.readTree(oid, path)) {
      checkEntry(t, path);
      if (t.type !== 'tree') throw unsafe(`${show(`${path}/${t.path}`)} is not a table directory`);
      try {
        checkTableName(t.path);
      } catch {
        throw unsafe(`the table name ${show(t.path)} in ${path}`);
      }
      await this.tableTree(t.oid, `${path}/${t.path}`, t.path);
    }
    this.seenTrees.add(oid);
  }

  private async tableTree(oid: string, path: string, table: string): Promise<void> {
    if (this.seenTrees.has(oid)) return;
    let manifestOid: string | null = null;
    const chunks = new Set<string>();
    for (const e of await this.readTree(oid, path)) {
      checkEntry(e, path);
      if (e.path === MANIFEST_FILE && e.type === 'blob' && e.mode === '100644') manifestOid = e.oid;
      else if (e.path === CHUNKS_DIR && e.type === 'tree') await this.chunksTree(e.oid, `${path}/${CHUNKS_DIR}`, chunks);
      else throw unsafe(`unexpected entry ${show(`${path}/${e.path}`)} (mode ${e.mode})`);
    }
    if (manifestOid === null) throw unsafe(`table ${table} has no ${MANIFEST_FILE}`);
    const where = `${path}/${MANIFEST_FILE}`;
    const bytes = await this.blobSize(manifestOid, where, MAX_MANIFEST_BYTES);
    let listed: string[];
    try {
      listed = allChunkRefs(decodeManifest(bytes, `table ${table}`)).map((c) => c.oid);
    } catch {
      throw unsafe(`${where} is not a valid fv manifest`);
    }
    const missing = listed.find((c) => !chunks.has(c));
    if (missing !== undefined) throw unsafe(`${where} lists chunk ${missing}, which is not in the table's tree`);
    this.seenTrees.add(oid);
  }

  private async chunksTree(oid: string, path: string, into: Set<string>): Promise<void> {
    for (const bucket of await this.readTree(oid, path)) {
      checkEntry(bucket, path);
      if (bucket.type !== 'tree' || !/^[0-9a-f]{2}$/.test(bucket.path)) throw unsafe(`unexpected entry ${show(`${path}/${bucket.path}`)}`);
      for (const c of await this.readTree(bucket.oid, `${path}/${bucket.path}`)) {
        checkEntry(c, `${path}/${bucket.path}`);
        const ok = c.type === 'blob' && c.mode === '100644' && c.path === `${c.oid}.arrow` && c.oid.startsWith(bucket.path);
        if (!ok) throw unsafe(`chunk entry ${show(`${path}/${bucket.path}/${c.path}`)} is not named after its content`);
        into.add(c.oid);
      }
    }
  }
}

/** Whether a commit is an fv snapshot (its tree has fv.json), as opposed to plain git history. */
export async function isFvCommit(git: GitRepo, commit: string): Promise<boolean> {
  const c = await git.readCommit(commit);
  return (await git.readTree(c.tree)).some((e) => e.path === SETTINGS_FILE && e.type === 'blob');
}
