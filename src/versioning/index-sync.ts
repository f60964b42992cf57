/**
 * Keeps git's index in step with HEAD after fv moves it, so that native
 * `git status` is clean. fv's data files (`.fv/**`) are entered with the
 * skip-worktree bit: they exist only in the object store, never as files
 * in the work tree (data is not stored twice on disk), and a sparse-checkout
 * pattern keeps native git from writing them out. Entries for files fv does
 * not manage are kept as they are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IndexEntry } from '../storage/git-index.js';
import { decodeIndex, writeIndexAtomic } from '../storage/git-index.js';
import type { GitRepo } from '../storage/git.js';
import { gitBlobId } from '../storage/git.js';
import { DATA_DIR, DEFINITIONS_FILE, SETTINGS_FILE } from './layout.js';
import { listTreeFiles } from './snapshot.js';

const SPARSE_PATTERNS = '/*\n!/.fv/\n';

function managed(p: string): boolean {
  return p === SETTINGS_FILE || p === DEFINITIONS_FILE || p === DATA_DIR || p.startsWith(DATA_DIR + '/');
}

/** Sets up sparse checkout so native git never writes `.fv/` into the work tree. */
export async function configureSparseCheckout(repo: GitRepo): Promise<void> {
  const info = path.join(repo.gitdir, 'info');
  fs.mkdirSync(info, { recursive: true });
  const file = path.join(info, 'sparse-checkout');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== SPARSE_PATTERNS) fs.writeFileSync(file, SPARSE_PATTERNS);
  if ((await repo.getConfig('core.sparseCheckout')) !== 'true') await repo.setConfig('core.sparseCheckout', 'true');
}

function statEntry(dir: string, p: string, oid: string, mode: number): IndexEntry {
  const base: IndexEntry = { path: p, oid, mode, size: 0, skipWorktree: false };
  try {
    const file = path.join(dir, p);
    const st = fs.lstatSync(file);
    // Only a file whose content is the committed blob may carry stat data:
    // git trusts matching stat data and would not notice an edit.
    if (!st.isFile() || gitBlobId(fs.readFileSync(file)) !== oid) return base;
    return { ...base, size: st.size, ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, uid: st.uid, gid: st.gid };
  } catch {
    return base;
  }
}

/** Rewrites the index so that fv-managed paths match `treeOid` (or nothing, for an unborn branch). */
export async function syncIndex(repo: GitRepo, treeOid: string | null): Promise<void> {
  const indexFile = path.join(repo.gitdir, 'index');
  let kept: IndexEntry[] = [];
  if (fs.existsSync(indexFile)) {
    try {
      kept = decodeIndex(fs.readFileSync(indexFile)).filter((e) => !managed(e.path));
    } catch {
      kept = [];
    }
  }
  const entries = [...kept];
  if (treeOid !== null) {
    for (const f of await listTreeFiles(repo, treeOid)) {
      if (!managed(f.path)) continue;
      const mode = parseInt(f.mode, 8);
      if (f.path.startsWith(DATA_DIR + '/')) entries.push({ path: f.path, oid: f.oid, mode, size: 0, skipWorktree: true });
      else entries.push(statEntry(repo.dir, f.path, f.oid, mode));
    }
  }
  await writeIndexAtomic(repo.gitdir, entries);
}
