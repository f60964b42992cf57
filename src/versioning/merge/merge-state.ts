/**
 * The state of a merge in progress: `.git/fv/merge.json` (canonical JSON,
 * docs/FORMAT.md section 5). It exists from the moment a merge is applied
 * until `fv commit` records it or `fv merge --abort` undoes it, and holds
 * what those need: the commit being merged, the base, the inputs of every
 * table that had conflicts (so `fv resolve` can compute them again with the
 * recorded choices), the pre-merge working state and the conflicts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../../errors/FvError.js';
import { writeFileAtomic } from '../../storage/atomic-fs.js';
import type { GitRepo } from '../../storage/git.js';
import type { Json } from '../../table/canonical-json.js';
import { canonicalJson, RawJson } from '../../table/canonical-json.js';
import { STATE_DIR } from '../layout.js';
import type { MergeConflict, Side } from './conflict.js';
import { parseJsonLossless } from './lossless-json.js';

export const MERGE_STATE_FORMAT = 1;

/** Manifest (or definitions blob) ids of one input on the three sides; null = absent. */
export interface MergeInputs {
  base: string | null;
  ours: string | null;
  theirs: string | null;
}

export interface MergeState {
  /** HEAD when the merge started (the first parent of the merge commit). */
  head: string;
  /** The commit being merged (the second parent). */
  theirs: string;
  /** The merge base, or null when the histories share no commit. */
  base: string | null;
  /** What the user asked to merge (a branch name or rev). */
  name: string;
  /** Default message of the merge commit. */
  message: string;
  /** The working state before the merge: table manifests and the definitions blob. */
  preMerge: { tables: Map<string, string>; definitions: string | null };
  /** Inputs of the tables (and "features.json") that had conflicts. */
  inputs: Map<string, MergeInputs>;
  conflicts: MergeConflict[];
  /** A revert in progress: its commit has one parent (HEAD), not two. */
  revert?: boolean;
}

function stateFile(repo: GitRepo): string {
  return path.join(repo.gitdir, STATE_DIR, 'merge.json');
}

const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);

export function loadMergeState(repo: GitRepo): MergeState | null {
  const file = stateFile(repo);
  if (!fs.existsSync(file)) return null;
  try {
    const raw = parseJsonLossless(fs.readFileSync(file, 'utf8')) as Record<string, Json>;
    const pre = raw.pre_merge as Record<string, Json>;
    const inputs = raw.inputs as Record<string, Record<string, Json>>;
    const conflicts = (raw.conflicts as Record<string, Json>[]).map((c): MergeConflict => ({
      table: str(c.table)!, kind: str(c.kind) as MergeConflict['kind'], key: c.key as Json[], keyText: (c.key_text as string[]).map(String),
      column: str(c.column), base: c.base ?? null, ours: c.ours ?? null, theirs: c.theirs ?? null, resolved: str(c.resolved) as Side | null,
    }));
    if (typeof raw.head !== 'string' || typeof raw.theirs !== 'string') throw new Error('bad');
    return {
      head: raw.head, theirs: raw.theirs, base: str(raw.base), name: str(raw.name) ?? raw.theirs, message: str(raw.message) ?? 'Merge',
      preMerge: { tables: new Map(Object.entries(pre.tables as Record<string, string>)), definitions: str(pre.definitions) },
      inputs: new Map(Object.entries(inputs).map(([k, v]) => [k, { base: str(v.base), ours: str(v.ours), theirs: str(v.theirs) }])),
      conflicts,
      revert: raw.revert === true,
    };
  } catch {
    throw new FvError('CORRUPT', `${path.relative(repo.dir, file)} is damaged`, { hint: 'remove it to forget the merge in progress (the working state keeps the merged result)' });
  }
}

export async function saveMergeState(repo: GitRepo, s: MergeState): Promise<void> {
  const obj = (m: Map<string, string>): Record<string, Json> => Object.fromEntries(m);
  const doc: Json = {
    format: new RawJson(String(MERGE_STATE_FORMAT)),
    head: s.head, theirs: s.theirs, base: s.base, name: s.name, message: s.message,
    pre_merge: { tables: obj(s.preMerge.tables), definitions: s.preMerge.definitions },
    inputs: Object.fromEntries([...s.inputs].map(([k, v]) => [k, { base: v.base, ours: v.ours, theirs: v.theirs }])),
    conflicts: s.conflicts.map((c) => ({ table: c.table, kind: c.kind, key: c.key, key_text: c.keyText, column: c.column, base: c.base, ours: c.ours, theirs: c.theirs, resolved: c.resolved })),
    revert: s.revert === true ? true : undefined,
  };
  fs.mkdirSync(path.join(repo.gitdir, STATE_DIR), { recursive: true });
  await writeFileAtomic(stateFile(repo), canonicalJson(doc));
}

/**
 * The merge in progress, or null. A merge commit moves the branch first and
 * removes merge.json after, so a kill in between leaves a merge.json whose
 * merge HEAD already records (HEAD's parents are its head and theirs, or
 * just its head for a revert). That merge is finished: null, and the stale
 * file is removed when the caller holds the repository lock. Without this,
 * `fv merge --abort` would put the pre-merge tables over the merge commit.
 */
export async function activeMergeState(repo: GitRepo, opts: { locked: boolean }): Promise<MergeState | null> {
  const s = loadMergeState(repo);
  if (s === null) return null;
  const head = await repo.readRef('HEAD');
  if (head === null || head === s.head) return s;
  const parents = (await repo.readCommit(head)).parents;
  const committed = parents[0] === s.head && (s.revert ? parents.length === 1 : parents.length === 2 && parents[1] === s.theirs);
  if (!committed) return s;
  if (opts.locked) clearMergeState(repo);
  return null;
}

export function clearMergeState(repo: GitRepo): void {
  fs.rmSync(stateFile(repo), { force: true });
}

export function openConflicts(s: MergeState | null): MergeConflict[] {
  return s ? s.conflicts.filter((c) => c.resolved === null) : [];
}

/** For commands holding the lock: refuses `what` while a merge waits to be finished or aborted. */
export async function refuseWhileMerging(ctx: { git: GitRepo }, what: string): Promise<void> {
  const s = await activeMergeState(ctx.git, { locked: true });
  if (s) throw new FvError('MERGE_IN_PROGRESS', `cannot ${what}: a merge of ${s.name} is in progress`, { hint: 'finish it with `fv commit` (after `fv resolve`), or undo it with `fv merge --abort`' });
}
