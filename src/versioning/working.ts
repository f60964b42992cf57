/**
 * The working state: what `fv commit` would commit. Tables live only in
 * the object store, so the working state of the tables is a small file,
 * `.git/fv/working.json`, mapping each table to the blob id of its working
 * manifest, plus the commit it was based on. Definitions and settings are
 * ordinary files in the work tree (features.json, fv.json) that users edit.
 *
 * If HEAD moved without fv (native `git checkout`, `git pull`, a fresh
 * `git clone`), a working state that was clean follows HEAD; one with
 * uncommitted table changes keeps them, now relative to the new HEAD.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import type { GitRepo } from '../storage/git.js';
import { canonicalJson } from '../table/canonical-json.js';
import { STATE_DIR } from './layout.js';
import type { Snapshot } from './snapshot.js';
import { readSnapshot } from './snapshot.js';

export interface WorkingState {
  /** The commit the working tables were last synchronised with. */
  base: string | null;
  tables: Map<string, string>;
}

function workingFile(repo: GitRepo): string {
  return path.join(repo.gitdir, STATE_DIR, 'working.json');
}

function sameTables(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

async function readFileState(repo: GitRepo): Promise<WorkingState | null> {
  const file = workingFile(repo);
  if (!fs.existsSync(file)) return null;
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { base: string | null; tables: Record<string, string> };
    const tables = new Map(Object.entries(raw.tables ?? {}));
    for (const oid of tables.values()) if (!/^[0-9a-f]{40}$/.test(oid)) throw new Error('bad oid');
    return { base: raw.base ?? null, tables };
  } catch {
    throw new FvError('CORRUPT', `${path.relative(repo.dir, file)} is damaged`, { hint: 'run `fv checkout --force HEAD` to reset the working state to the last commit' });
  }
}

/** Loads the working state, reconciled with where HEAD is now. */
export async function loadWorking(repo: GitRepo, head: string | null, headSnap?: Snapshot): Promise<WorkingState> {
  const saved = await readFileState(repo);
  if (saved !== null && saved.base === head) return saved;
  const snap = headSnap ?? (await readSnapshot(repo, head));
  if (saved === null) return { base: head, tables: new Map(snap.tables) };
  const baseSnap = await readSnapshot(repo, saved.base).catch(() => null);
  if (baseSnap === null || sameTables(baseSnap.tables, saved.tables)) return { base: head, tables: new Map(snap.tables) };
  return { base: head, tables: saved.tables };
}

/**
 * Writes the working state. It names manifests (and through them chunks)
 * that no ref may reach yet, so it is a ref in all but name: the objects it
 * points at are made durable first, as before a ref moves. A later
 * `fv commit`, in another process, fsyncs only what it writes itself.
 */
export async function saveWorking(repo: GitRepo, ws: WorkingState): Promise<void> {
  await repo.flushObjects();
  const tables: Record<string, string> = {};
  for (const [k, v] of [...ws.tables].sort(([a], [b]) => (a < b ? -1 : 1))) tables[k] = v;
  fs.mkdirSync(path.join(repo.gitdir, STATE_DIR), { recursive: true });
  await writeFileAtomic(workingFile(repo), canonicalJson({ base: ws.base, tables }));
}
