/**
 * Crash injection for `fv merge` (a clean non-fast-forward merge that
 * merges cells of the same rows, and a conflicting one) and `fv revert` (a
 * three-way revert of an older commit). Each round SIGKILLs the command at a
 * random moment within its measured run time, then checks what
 * docs/FORMAT.md section 8 promises:
 *   - `git fsck --full --strict` is clean;
 *   - the branch is at the old commit or at a complete new one (right
 *     parents, exporting exactly what an uninterrupted run gives);
 *   - the working state is the old or the new one, or a merge is in
 *     progress and `fv status` says how to finish or undo it;
 *   - rerunning the command (after `fv merge --abort` if one is pending)
 *     succeeds; every commit reported earlier still exports exactly.
 * CI runs 3 kills per command on 3,000 rows; FV_TORTURE=1 runs 34 per
 * command (102 kills) on 20,000 rows.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fv, git, newRepo, ok, tempDir } from '../helpers.js';
import { random, runAndKill, settle, table, TORTURE } from './kill-harness.js';

const ROWS = TORTURE ? 20_000 : 3_000;
const KILLS_PER_COMMAND = TORTURE ? 34 : 3;

interface Op {
  name: string;
  args: string[];
  /** Exit status of an uninterrupted run: 0 (committed) or 1 (stopped on conflicts). */
  code: 0 | 1;
  /** Parents the new commit must have, given the commit before. */
  parents: (before: string) => string[];
}

/**
 * main: base -> e1 (names of rows 1, 11, ...) -> e2 (scores of rows 5, 15, ...).
 * feat: base -> scores of rows 2, 12, ... and of rows 1, 11, ... (the rows main renamed:
 *       a cell-level merge of the same rows) plus 50 new rows.
 * clash: base -> other names for rows 1, 11, ...: a conflict on every one.
 */
async function build(): Promise<{ dir: string; ops: Op[] }> {
  const dir = newRepo();
  const put = async (name: string, csv: string): Promise<void> => {
    ok(dir, ['import', dataFile(`${name}-${ROWS}.csv`, csv), '--table', 't', '--key', 'id']);
    await settle();
  };
  await put('base', table(ROWS, 3));
  ok(dir, ['commit', '-m', 'base']);
  ok(dir, ['branch', 'feat']);
  ok(dir, ['branch', 'clash']);
  await put('e1', table(ROWS, 3, (i) => (i % 10 === 1 ? { name: `main-${i}` } : null)));
  ok(dir, ['commit', '-m', 'e1']);
  await put('e2', table(ROWS, 3, (i) => (i % 10 === 1 ? { name: `main-${i}` } : i % 10 === 5 ? { score: `${i}.5` } : null)));
  ok(dir, ['commit', '-m', 'e2']);
  ok(dir, ['checkout', 'feat']);
  await put('feat', table(ROWS, 3, (i) => (i % 10 === 2 || i % 10 === 1 ? { score: `${i}.75` } : null), 50));
  ok(dir, ['commit', '-m', 'feat']);
  ok(dir, ['checkout', 'clash']);
  await put('clash', table(ROWS, 3, (i) => (i % 10 === 1 ? { name: `clash-${i}` } : null)));
  ok(dir, ['commit', '-m', 'clash']);
  ok(dir, ['checkout', 'main']);
  const rev = (r: string): string => git(dir, ['rev-parse', r]).stdout.trim();
  const feat = rev('feat');
  const e1 = rev('main~1');
  return {
    dir,
    ops: [
      { name: 'merge feat', args: ['merge', 'feat', '-m', 'merge feat'], code: 0, parents: (b) => [b, feat] },
      { name: 'merge clash', args: ['merge', 'clash'], code: 1, parents: () => [] },
      { name: 'revert e1', args: ['revert', e1], code: 0, parents: (b) => [b] },
    ],
  };
}

const exportT = (dir: string, at?: string): string => ok(dir, ['export', 't', ...(at ? ['--at', at] : [])]);
const head = (dir: string): string => git(dir, ['rev-parse', 'main']).stdout.trim();
const parentsOf = (dir: string, c: string): string[] => git(dir, ['rev-list', '--parents', '-n', '1', c]).stdout.trim().split(' ').slice(1);

/** Runs an op to the end in a copy of the repository: how long it takes and what it gives. */
function reference(dir: string, op: Op): { ms: number; exported: string } {
  const copy = tempDir('fv-kill-ref-');
  fs.cpSync(dir, copy, { recursive: true });
  const t0 = Date.now();
  const r = fv(copy, op.args);
  const ms = Date.now() - t0;
  expect(r.code, `${op.name}: ${r.stderr}`).toBe(op.code);
  // A conflicted merge leaves ours in every conflicting cell: the working state is what it gives.
  return { ms, exported: exportT(copy) };
}

describe('kill -9 during merge and revert', () => {
  it(`merge (clean and conflicting) and revert survive ${KILLS_PER_COMMAND} kills each on ${ROWS} rows`, async () => {
    const { dir, ops } = await build();
    const start = head(dir);
    const startExport = exportT(dir);
    const reported = new Map<string, string>([[start, startExport]]);
    const rnd = random(20261127);
    let kills = 0;
    let rounds = 0;
    for (const op of ops) {
      const ref = reference(dir, op);
      await settle();
      // Kill points spread over the whole run, from process start-up to just past the end.
      for (let k = 0; k < KILLS_PER_COMMAND; k++) {
        rounds++;
        const where = `${op.name}, round ${k}`;
        const before = head(dir);
        expect(before).toBe(start);
        const r = await runAndKill(dir, op.args, Math.floor(ref.ms * (0.15 + rnd())));
        if (r.killed) kills++;
        else expect(r.code, `${where}: ${r.stderr}`).toBe(op.code);
        expectGitClean(dir, { porcelain: false });
        await settle();

        // The branch: the old commit, or a complete new one.
        const after = head(dir);
        if (after !== before) {
          expect(op.code, `${where}: a conflicted merge must not commit`).toBe(0);
          expect(parentsOf(dir, after), where).toEqual(op.parents(before));
          expect(exportT(dir, after), where).toBe(ref.exported);
          if (!r.killed) reported.set(after, ref.exported);
        }

        // The working state: old, new, or a merge in progress that status explains.
        const st = JSON.parse(ok(dir, ['status', '--json'])) as { merging: boolean; conflicts: number; tables: Record<string, { state: string }> };
        if (st.merging) {
          expect(after, `${where}: merge state left over a finished merge`).toBe(before);
          expect(ok(dir, ['status']), where).toMatch(/fv merge --abort/);
          if (op.code === 1) expect(JSON.parse(ok(dir, ['conflicts', '--json'])).length, where).toBe(st.conflicts);
          ok(dir, ['merge', '--abort']);
          expect(JSON.parse(ok(dir, ['status', '--json'])).merging).toBe(false);
        } else {
          expect(st.tables.t?.state, where).toBe('clean');
        }
        expect(exportT(dir), where).toBe(after === before ? startExport : ref.exported);

        await settle();
        // A rerun succeeds (or, if the killed run had finished, has nothing left to do).
        if (after === before) {
          const again = fv(dir, op.args);
          expect(again.code, `${where} rerun: ${again.stderr}`).toBe(op.code);
          expect(exportT(dir), where).toBe(ref.exported);
          if (op.code === 0) {
            expect(parentsOf(dir, head(dir))).toEqual(op.parents(before));
            reported.set(head(dir), ref.exported);
          } else {
            ok(dir, ['merge', '--abort']);
          }
        } else if (op.args[0] === 'merge') {
          expect(ok(dir, op.args)).toMatch(/Already up to date/);
        }
        await settle();
        // Back to the start for the next round.
        ok(dir, ['reset', '--hard', start]);
        expect(JSON.parse(ok(dir, ['status', '--json'])).merging).toBe(false);
      }
    }
    for (const [commit, exported] of reported) expect(exportT(dir, commit)).toBe(exported);
    expectGitClean(dir);
    console.info(`merge/revert crash injection: ${kills} kills in ${rounds} rounds on ${ROWS} rows, ${reported.size} reported commits intact`);
    expect(rounds).toBe(3 * KILLS_PER_COMMAND);
    // Rounds that finish before the kill are checked the same way; at least some must really kill.
    expect(kills).toBeGreaterThan(0);
  }, (TORTURE ? 400 : 60) * 60_000);

  it('a kill after the merge commit moved the branch but before merge.json was removed: the merge counts as done', async () => {
    const { dir } = await build();
    const before = head(dir);
    ok(dir, ['merge', 'feat', '--no-commit']);
    const state = fs.readFileSync(`${dir}/.git/fv/merge.json`);
    ok(dir, ['commit']);
    await settle();
    const merged = head(dir);
    const mergedExport = exportT(dir);
    expect(parentsOf(dir, merged)).toEqual([before, git(dir, ['rev-parse', 'feat']).stdout.trim()]);
    // Put the file back: exactly what a kill between the ref update and its removal leaves.
    fs.writeFileSync(`${dir}/.git/fv/merge.json`, state);
    const st = JSON.parse(ok(dir, ['status', '--json'])) as { merging: boolean; tables: Record<string, { state: string }> };
    expect(st.merging).toBe(false);
    expect(st.tables.t!.state).toBe('clean');
    // --abort must not put the pre-merge tables over the merge commit.
    fv(dir, ['merge', '--abort']);
    await settle();
    expect(exportT(dir)).toBe(mergedExport);
    expect(head(dir)).toBe(merged);
    expect(fs.existsSync(`${dir}/.git/fv/merge.json`)).toBe(false);
    expect(JSON.parse(ok(dir, ['status', '--json'])).tables.t.state).toBe('clean');
    // The same for a revert (one parent).
    const e1 = git(dir, ['rev-parse', 'main~1^1']).stdout.trim();
    ok(dir, ['revert', e1, '--no-commit']);
    const rstate = fs.readFileSync(`${dir}/.git/fv/merge.json`);
    ok(dir, ['commit']);
    await settle();
    fs.writeFileSync(`${dir}/.git/fv/merge.json`, rstate);
    expect(JSON.parse(ok(dir, ['status', '--json'])).merging).toBe(false);
    // Moving back to the revert's parent must not bring the finished revert back to life.
    ok(dir, ['reset', '--hard', 'HEAD~1']);
    await settle();
    expect(JSON.parse(ok(dir, ['status', '--json'])).merging).toBe(false);
    ok(dir, ['import', dataFile('after-revert.csv', table(ROWS, 9)), '--table', 't']);
    ok(dir, ['commit', '-m', 'after the revert']);
    expect(fs.existsSync(`${dir}/.git/fv/merge.json`)).toBe(false);
    expectGitClean(dir);
  }, 20 * 60_000);
});
