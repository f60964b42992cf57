/**
 * `fv merge <rev>` and `fv merge --abort`: three-way merge of tables and
 * definitions (docs/CLI.md, SPEC section 3).
 *
 * The whole merge is computed first (versioning/merge/, pure apart from
 * reading blobs and writing the merged tables' new objects); only then is
 * anything applied, in this order: `.git/fv/merge.json` (the merge in
 * progress), `features.json`, `.git/fv/working.json`, and, for a clean merge,
 * the two-parent commit (which removes merge.json again). A kill in between
 * leaves a merge in progress that `fv commit` or `fv merge --abort` finishes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import type { Person } from '../storage/git.js';
import { encodeManifest } from '../table/manifest.js';
import type { TableManifest } from '../table/manifest.js';
import { writeTableVersion } from '../table/patch/patch-writer.js';
import { syncIndex } from '../versioning/index-sync.js';
import { DEFINITIONS_FILE } from '../versioning/layout.js';
import type { Chooser, MergeConflict, Side } from '../versioning/merge/conflict.js';
import { conflictId } from '../versioning/merge/conflict.js';
import { DEFINITIONS_TABLE, mergeDefinitions } from '../versioning/merge/definitions-merge.js';
import type { MergeInputs, MergeState } from '../versioning/merge/merge-state.js';
import { activeMergeState, clearMergeState, openConflicts, refuseWhileMerging, saveMergeState } from '../versioning/merge/merge-state.js';
import { mergeTable } from '../versioning/merge/table-merge.js';
import type { Snapshot } from '../versioning/snapshot.js';
import { saveWorking } from '../versioning/working.js';
import type { WorkingState } from '../versioning/working.js';
import { commitLocked, resolveAuthorChecked } from './commit.js';
import type { RepoContext } from './context.js';

export interface MergeOptions {
  message?: string;
  author?: string;
  /** Resolve every conflict this way. */
  strategy?: Side;
  /** Stop before committing a clean merge (the merge stays in progress). */
  noCommit?: boolean;
}

export interface MergeResult {
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts' | 'not-committed';
  /** The new HEAD (fast-forward, merged), else HEAD as it was. */
  commit: string | null;
  theirs: string;
  base: string | null;
  /** Open conflicts (status "conflicts"). */
  conflicts: MergeConflict[];
  /** Conflicts resolved by --strategy. */
  resolved: number;
}

export function mergeInProgress(ctx: RepoContext): Promise<MergeState | null> {
  return activeMergeState(ctx.git, { locked: false });
}

// Lives with the merge state so that checkout can use it without loading the merge machinery (and apache-arrow).
export { refuseWhileMerging };

export async function writeDefinitionsFile(ctx: RepoContext, bytes: Uint8Array | null): Promise<void> {
  const file = path.join(ctx.dir, DEFINITIONS_FILE);
  if (bytes === null) fs.rmSync(file, { force: true });
  else if (!(fs.existsSync(file) && Buffer.compare(fs.readFileSync(file), Buffer.from(bytes)) === 0)) await writeFileAtomic(file, bytes);
}

export async function blobOrNull(ctx: RepoContext, oid: string | null): Promise<Uint8Array | null> {
  return oid === null ? null : ctx.git.readBlob(oid);
}

async function manifestOrNull(ctx: RepoContext, oid: string | null, table: string): Promise<TableManifest | null> {
  return oid === null ? null : ctx.manifest(oid, table);
}

/** Merges one table; returns the merged manifest id (null: no table) and the conflicts. */
export async function mergeOneTable(ctx: RepoContext, name: string, inp: MergeInputs, choose: Chooser): Promise<{ oid: string | null; conflicts: MergeConflict[] }> {
  if (inp.ours === inp.theirs || inp.base === inp.theirs) return { oid: inp.ours, conflicts: [] };
  if (inp.base === inp.ours) return { oid: inp.theirs, conflicts: [] };
  const r = await mergeTable(ctx.git, name, await manifestOrNull(ctx, inp.base, name), await manifestOrNull(ctx, inp.ours, name), await manifestOrNull(ctx, inp.theirs, name), choose);
  if (r.take !== undefined) return { oid: r.take === 'ours' ? inp.ours : inp.theirs, conflicts: r.conflicts };
  const { store, order, schema, chunking } = r.rows!;
  // Like an import: a merge that changes few of ours' rows is written as a patch over ours' chunks.
  const m = await writeTableVersion(store, order, schema, ctx.git, await manifestOrNull(ctx, inp.ours, name), chunking);
  return { oid: await ctx.git.writeBlob(encodeManifest(m)), conflicts: r.conflicts };
}

/** Merges the definitions file; returns the merged bytes (null: no file), whether they differ from ours, and the conflicts. */
export async function mergeDefinitionsFile(ctx: RepoContext, inp: MergeInputs, choose: Chooser): Promise<{ bytes: Uint8Array | null; conflicts: MergeConflict[] }> {
  if (inp.ours === inp.theirs || inp.base === inp.theirs) return { bytes: await blobOrNull(ctx, inp.ours), conflicts: [] };
  if (inp.base === inp.ours) return { bytes: await blobOrNull(ctx, inp.theirs), conflicts: [] };
  return mergeDefinitions(await blobOrNull(ctx, inp.base), await blobOrNull(ctx, inp.ours), await blobOrNull(ctx, inp.theirs), choose);
}

export interface ComputedMerge {
  tables: Map<string, string>;
  definitions: Uint8Array | null;
  conflicts: MergeConflict[];
  inputs: Map<string, MergeInputs>;
}

export async function computeMerge(ctx: RepoContext, base: Snapshot, ours: Snapshot, theirs: Snapshot, choose: Chooser): Promise<ComputedMerge> {
  const tables = new Map<string, string>();
  const conflicts: MergeConflict[] = [];
  const inputs = new Map<string, MergeInputs>();
  const names = [...new Set([...base.tables.keys(), ...ours.tables.keys(), ...theirs.tables.keys()])].sort();
  for (const name of names) {
    const inp: MergeInputs = { base: base.tables.get(name) ?? null, ours: ours.tables.get(name) ?? null, theirs: theirs.tables.get(name) ?? null };
    const r = await mergeOneTable(ctx, name, inp, choose);
    if (r.oid !== null) tables.set(name, r.oid);
    if (r.conflicts.length > 0) inputs.set(name, inp);
    conflicts.push(...r.conflicts);
  }
  const dInp: MergeInputs = { base: base.definitions, ours: ours.definitions, theirs: theirs.definitions };
  const d = await mergeDefinitionsFile(ctx, dInp, choose);
  if (d.conflicts.length > 0) inputs.set(DEFINITIONS_TABLE, dInp);
  conflicts.push(...d.conflicts);
  return { tables, definitions: d.bytes, conflicts, inputs };
}

export async function merge(ctx: RepoContext, rev: string, opts: MergeOptions = {}): Promise<MergeResult> {
  if (opts.message !== undefined && opts.message.trim() === '') throw new FvError('BAD_USAGE', 'empty merge message', { hint: 'pass -m "<message>" or leave -m out' });
  return ctx.withLock('merge', async () => {
    await refuseWhileMerging(ctx, 'merge');
    const head = await ctx.head();
    const branch = await ctx.branch();
    const theirs = await ctx.resolve(rev);
    const headSnap = await ctx.snapshot(head);
    const ws = await ctx.working(head, headSnap);
    requireCleanWorkingState(ctx, headSnap, ws, 'merge');
    const base = head === null ? null : await ctx.git.findMergeBase(head, theirs);
    const result = (status: MergeResult['status'], commit: string | null, conflicts: MergeConflict[] = [], resolved = 0): MergeResult => ({ status, commit, theirs, base, conflicts, resolved });
    if (head === theirs || base === theirs) return result('up-to-date', head);
    const theirsSnap = await ctx.snapshot(theirs);
    if (head === null || base === head) {
      // Fast-forward: move the branch, as checkout moves HEAD.
      await writeDefinitionsFile(ctx, await blobOrNull(ctx, theirsSnap.definitions));
      await ctx.git.updateRef(branch !== null ? `refs/heads/${branch}` : 'HEAD', theirs, head);
      await saveWorking(ctx.git, { base: theirs, tables: new Map(theirsSnap.tables) });
      await syncIndex(ctx.git, (await ctx.git.readCommit(theirs)).tree);
      return result('fast-forward', theirs);
    }
    const baseSnap = await ctx.snapshot(base);
    const strategy = opts.strategy ?? null;
    const m = await computeMerge(ctx, baseSnap, headSnap, theirsSnap, () => strategy);
    const open = m.conflicts.filter((c) => c.resolved === null);
    const isBranch = (await ctx.git.readRef(`refs/heads/${rev}`).catch(() => null)) !== null;
    const message = opts.message ?? (isBranch ? `Merge branch '${rev}'` : `Merge commit '${theirs.slice(0, 7)}'`);
    // Everything that can refuse is checked before anything is applied.
    let author: Person | null = null;
    if (open.length === 0 && !opts.noCommit) author = await resolveAuthorChecked(ctx, message, opts.author);
    const resolved = m.conflicts.length - open.length;
    const applied = await applyMerge(ctx, {
      state: { head: head!, theirs, base, name: rev, message, preMerge: { tables: new Map(ws.tables), definitions: headSnap.definitions }, inputs: m.inputs, conflicts: m.conflicts },
      computed: m, working: ws, author, extraParents: [theirs],
    });
    if (applied === 'conflicts') return result('conflicts', head, open, resolved);
    if (applied === 'not-committed') return result('not-committed', head, [], resolved);
    return result('merged', applied.commit, [], resolved);
  });
}

/**
 * Refuses to start a merge or revert over uncommitted changes (tables or
 * features.json), as git does: the pre-merge state must be a commit.
 */
export function requireCleanWorkingState(ctx: RepoContext, headSnap: Snapshot, ws: WorkingState, what: string): void {
  const defsDirty = (ctx.workFile(DEFINITIONS_FILE)?.oid ?? null) !== headSnap.definitions;
  const dirty = [...new Set([...headSnap.tables.keys(), ...ws.tables.keys()])].filter((t) => headSnap.tables.get(t) !== ws.tables.get(t)).sort();
  if (dirty.length === 0 && !defsDirty) return;
  const list = [...dirty.map((t) => `table ${t}`), ...(defsDirty ? [DEFINITIONS_FILE] : [])].join(', ');
  throw new FvError('DIRTY_STATE', `cannot ${what} with uncommitted changes to ${list}`, { hint: 'commit them first (`fv commit -m ...`), or discard them (`fv checkout --force HEAD`)' });
}

/**
 * Applies a computed merge (or revert): records the merge state, writes the
 * merged definitions and working tables, and commits when there are no open
 * conflicts and an author was resolved. If anything fails before the branch
 * moves, the working state is put back, so the failed command leaves it as
 * it was (and withLock then removes the objects it wrote).
 */
export async function applyMerge(
  ctx: RepoContext,
  a: { state: MergeState; computed: ComputedMerge; working: WorkingState; author: Person | null; extraParents: string[] },
): Promise<'conflicts' | 'not-committed' | { commit: string }> {
  const head = a.state.head;
  try {
    await saveMergeState(ctx.git, a.state);
    await writeDefinitionsFile(ctx, a.computed.definitions);
    await saveWorking(ctx.git, { base: head, tables: a.computed.tables });
    if (a.computed.conflicts.some((c) => c.resolved === null)) return 'conflicts';
    if (a.author === null) return 'not-committed';
    const c = await commitLocked(ctx, { message: a.state.message, extraParents: a.extraParents }, a.author);
    clearMergeState(ctx.git);
    return { commit: c.commit };
  } catch (e) {
    if ((await ctx.head()) === head) {
      await writeDefinitionsFile(ctx, await blobOrNull(ctx, a.state.preMerge.definitions)).catch(() => undefined);
      await saveWorking(ctx.git, a.working).catch(() => undefined);
      clearMergeState(ctx.git);
    }
    throw e;
  }
}

/** `fv merge --abort`: back to the working state from before the merge. */
export async function abortMerge(ctx: RepoContext): Promise<{ name: string }> {
  return ctx.withLock('merge', async () => {
    const s = await activeMergeState(ctx.git, { locked: true });
    if (s === null) throw new FvError('NO_MERGE', 'there is no merge to abort');
    await writeDefinitionsFile(ctx, await blobOrNull(ctx, s.preMerge.definitions));
    await saveWorking(ctx.git, { base: await ctx.head(), tables: new Map(s.preMerge.tables) });
    clearMergeState(ctx.git);
    return { name: s.name };
  });
}

/** The open conflicts of the merge in progress (all, or one table's). */
export async function listConflicts(ctx: RepoContext, table?: string): Promise<MergeConflict[]> {
  // No merge in progress: no conflicts (an empty list, not an error, for scripts).
  return openConflicts(await activeMergeState(ctx.git, { locked: false })).filter((c) => table === undefined || c.table === table);
}

export interface ResolveOptions {
  side: Side;
  /** Only the conflicts of this row: key values in text form, comma-separated (or the JSON path, dotted, for features.json). */
  key?: string;
}

/**
 * `fv resolve <table> --ours|--theirs [--key k]`: records the choice and
 * recomputes that table (or features.json) from the merge's three sides
 * with every choice recorded so far. (--ours changes nothing in the data:
 * the merged result already holds ours for open conflicts.)
 */
export async function resolveConflicts(ctx: RepoContext, table: string, opts: ResolveOptions): Promise<{ resolved: number; remaining: number }> {
  return ctx.withLock('resolve', async () => {
    const s = await activeMergeState(ctx.git, { locked: true });
    if (s === null) throw new FvError('NO_MERGE', 'no merge in progress');
    const hits = openConflicts(s).filter((c) => c.table === table && (opts.key === undefined || c.keyText.join(',') === opts.key));
    if (hits.length === 0) {
      throw new FvError('BAD_USAGE', `no open conflicts in ${table}${opts.key !== undefined ? ` for key ${opts.key}` : ''}`, { hint: 'see `fv conflicts`' });
    }
    for (const c of hits) c.resolved = opts.side;
    const inp = s.inputs.get(table);
    if (opts.side === 'theirs' && inp) {
      const choices = new Map(s.conflicts.filter((c) => c.resolved !== null).map((c) => [conflictId(c), c.resolved!]));
      const choose: Chooser = (c) => choices.get(conflictId(c)) ?? null;
      if (table === DEFINITIONS_TABLE) {
        await writeDefinitionsFile(ctx, (await mergeDefinitionsFile(ctx, inp, choose)).bytes);
      } else {
        const r = await mergeOneTable(ctx, table, inp, choose);
        const ws = await ctx.working();
        if (r.oid === null) ws.tables.delete(table);
        else ws.tables.set(table, r.oid);
        await saveWorking(ctx.git, ws);
      }
    }
    await saveMergeState(ctx.git, s);
    return { resolved: hits.length, remaining: openConflicts(s).length };
  });
}
