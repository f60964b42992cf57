/**
 * A snapshot is what one commit holds, in fv's terms (Dolt calls it a root
 * value): the manifest of every table, the definitions file, the settings
 * file, and any other files users committed with native git, which fv
 * carries along untouched.
 *
 * Commit tree layout (docs/FORMAT.md):
 *   fv.json                                   settings
 *   features.json                             definitions (optional)
 *   .fv/tables/<name>/manifest.json           table manifest
 *   .fv/tables/<name>/chunks/<xx>/<oid>.arrow chunk (xx = first two hex digits)
 */
import { FvError } from '../errors/FvError.js';
import type { GitRepo, TreeEntry } from '../storage/git.js';
import type { TableManifest } from '../table/manifest.js';
import { allChunkRefs, decodeManifest } from '../table/manifest.js';
import { CHUNKS_DIR, DATA_DIR, DEFINITIONS_FILE, MANIFEST_FILE, SETTINGS_FILE } from './layout.js';

export interface Snapshot {
  /** Table name -> blob id of its manifest. */
  tables: Map<string, string>;
  /** Table name -> tree id of `.fv/tables/<name>` (only for snapshots read from a commit). */
  tableTrees: Map<string, string>;
  definitions: string | null;
  settings: string | null;
  /** Root entries fv does not manage, kept as they are. */
  other: TreeEntry[];
}

export function emptySnapshot(): Snapshot {
  return { tables: new Map(), tableTrees: new Map(), definitions: null, settings: null, other: [] };
}

export async function readSnapshot(repo: GitRepo, commit: string | null): Promise<Snapshot> {
  const snap = emptySnapshot();
  if (commit === null) return snap;
  const c = await repo.readCommit(commit);
  for (const e of await repo.readTree(c.tree)) {
    if (e.path === SETTINGS_FILE && e.type === 'blob') snap.settings = e.oid;
    else if (e.path === DEFINITIONS_FILE && e.type === 'blob') snap.definitions = e.oid;
    else if (e.path === DATA_DIR && e.type === 'tree') await readDataDir(repo, e.oid, snap);
    else snap.other.push(e);
  }
  return snap;
}

async function readDataDir(repo: GitRepo, oid: string, snap: Snapshot): Promise<void> {
  const tables = (await repo.readTree(oid)).find((e) => e.path === 'tables' && e.type === 'tree');
  if (!tables) return;
  for (const t of await repo.readTree(tables.oid)) {
    if (t.type !== 'tree') continue;
    const manifest = (await repo.readTree(t.oid)).find((e) => e.path === MANIFEST_FILE && e.type === 'blob');
    if (!manifest) throw new FvError('CORRUPT', `table ${t.path} has no manifest in commit tree ${oid}`);
    snap.tables.set(t.path, manifest.oid);
    snap.tableTrees.set(t.path, t.oid);
  }
}

export async function readManifest(repo: GitRepo, oid: string, table: string): Promise<TableManifest> {
  return decodeManifest(await repo.readBlob(oid), `table ${table}`);
}

/** Reads (or hands over an already decoded) manifest by blob id. */
export type ManifestSource = (oid: string, table: string) => Promise<TableManifest>;

/** Writes the tree for one table: its manifest and its chunks, fanned out by the first two hex digits. */
async function writeTableTree(repo: GitRepo, manifestOid: string, manifest: TableManifest): Promise<string> {
  const buckets = new Map<string, TreeEntry[]>();
  // Patch chunks are in the tree like base chunks, so they are reachable (and fetched, and kept by gc).
  for (const c of allChunkRefs(manifest)) {
    const key = c.oid.slice(0, 2);
    const list = buckets.get(key) ?? [];
    // A chunk listed twice (identical chunks in one table) is one tree entry.
    if (!list.some((e) => e.oid === c.oid)) list.push({ mode: '100644', path: `${c.oid}.arrow`, oid: c.oid, type: 'blob' });
    buckets.set(key, list);
  }
  const fanout: TreeEntry[] = [];
  for (const [key, entries] of buckets) fanout.push({ mode: '040000', path: key, oid: await repo.writeTree(entries), type: 'tree' });
  const entries: TreeEntry[] = [{ mode: '100644', path: MANIFEST_FILE, oid: manifestOid, type: 'blob' }];
  if (fanout.length > 0) entries.push({ mode: '040000', path: CHUNKS_DIR, oid: await repo.writeTree(fanout), type: 'tree' });
  return repo.writeTree(entries);
}

/**
 * Writes the root tree of a snapshot. Tables whose manifest is unchanged
 * from `reuse` (typically the parent commit's snapshot) keep their tree.
 * `manifestOf` lets a caller that has decoded the manifests already (commit,
 * for its change summary) hand them over: at 1M rows a manifest is ~4.5 MB
 * of JSON, and decoding it twice was a visible part of `fv commit`.
 */
export async function writeSnapshotTree(repo: GitRepo, snap: Snapshot, reuse: Snapshot | null, manifestOf: ManifestSource = (oid, name) => readManifest(repo, oid, name)): Promise<string> {
  const tableEntries: TreeEntry[] = [];
  for (const [name, manifestOid] of [...snap.tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let treeOid = reuse && reuse.tables.get(name) === manifestOid ? reuse.tableTrees.get(name) : undefined;
    if (treeOid === undefined) treeOid = await writeTableTree(repo, manifestOid, await manifestOf(manifestOid, name));
    snap.tableTrees.set(name, treeOid);
    tableEntries.push({ mode: '040000', path: name, oid: treeOid, type: 'tree' });
  }
  const root: TreeEntry[] = snap.other.filter((e) => e.path !== SETTINGS_FILE && e.path !== DEFINITIONS_FILE && e.path !== DATA_DIR);
  if (snap.settings !== null) root.push({ mode: '100644', path: SETTINGS_FILE, oid: snap.settings, type: 'blob' });
  if (snap.definitions !== null) root.push({ mode: '100644', path: DEFINITIONS_FILE, oid: snap.definitions, type: 'blob' });
  if (tableEntries.length > 0) {
    const tables = await repo.writeTree(tableEntries);
    root.push({ mode: '040000', path: DATA_DIR, oid: await repo.writeTree([{ mode: '040000', path: 'tables', oid: tables, type: 'tree' }]), type: 'tree' });
  }
  return repo.writeTree(root);
}

/** Every blob path under the snapshot's tree, for the git index. */
export async function listTreeFiles(repo: GitRepo, treeOid: string, prefix = ''): Promise<{ path: string; oid: string; mode: string }[]> {
  const out: { path: string; oid: string; mode: string }[] = [];
  for (const e of await repo.readTree(treeOid)) {
    const p = prefix + e.path;
    if (e.type === 'tree') out.push(...(await listTreeFiles(repo, e.oid, p + '/')));
    else if (e.type === 'blob') out.push({ path: p, oid: e.oid, mode: e.mode });
  }
  return out;
}
