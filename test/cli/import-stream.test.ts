/**
 * A table written whole streams from its file: rows in key order are
 * chunked batch by batch, rows out of order are sorted in runs spilled to a
 * temporary directory and merged. FV_IMPORT_BATCH_ROWS and FV_IMPORT_RUN_ROWS
 * force many small batches and runs on small files. Whatever the batches,
 * the stored table (chunks, manifest, content hash) must be byte for byte
 * the one the in-memory path writes; errors must name the same rows.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGitClean, fails, FV, fvEnv, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';

const SMALL = { FV_IMPORT_BATCH_ROWS: '300', FV_IMPORT_RUN_ROWS: '700' };
const ROWS = 5000;

/** A deterministic shuffle of 0..n-1. */
function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Rows keyed on (region, id) in the given order of ids, with nulls, floats, text and timestamps. */
function csv(ids: number[]): string {
  const lines = ['region,id,amount,note,ts'];
  for (const i of ids) {
    const region = ['eu', 'us', 'ap'][i % 3];
    const amount = i % 11 === 0 ? '' : (i * 1.25).toFixed(2);
    const note = i % 7 === 0 ? '' : `"note ${i}, é ${'x'.repeat(i % 13)}"`;
    lines.push(`${region},${i},${amount},${note},2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`);
  }
  return lines.join('\n') + '\n';
}

/** The manifest blob id of each table in the working state: equal ids are byte-identical manifests. */
function manifests(dir: string): Record<string, string> {
  return (JSON.parse(fs.readFileSync(path.join(dir, '.git', 'fv', 'working.json'), 'utf8')) as { tables: Record<string, string> }).tables;
}

/**
 * Imports `file` into table `t` through the in-memory path: a replace of an
 * existing keyed table is read whole (its next version may be a patch); the
 * existing table has other columns, so the new version is written whole.
 */
function importInMemory(dir: string, src: string, file: string, t: string, key: string): void {
  ok(dir, ['import', writeFile(src, `${t}-seed.csv`, `${key.split(',').join(',')},other\n${key.split(',').map(() => '1').join(',')},x\n`), '--table', t, '--key', key]);
  ok(dir, ['import', file, '--table', t]);
}

describe('streamed import', () => {
  it('rows in key order, in many batches, give the table the in-memory path writes', () => {
    const dir = newRepo();
    const src = tempDir();
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    // In key order: by region (as text), then id.
    const region = (i: number): string => ['eu', 'us', 'ap'][i % 3]!;
    ids.sort((a, b) => (region(a) < region(b) ? -1 : region(a) > region(b) ? 1 : a - b));
    const file = writeFile(src, 'sorted.csv', csv(ids));
    ok(dir, ['import', file, '--table', 'small', '--key', 'region,id'], { env: SMALL });
    ok(dir, ['import', file, '--table', 'one', '--key', 'region,id']);
    importInMemory(dir, src, file, 'mem', 'region,id');
    const m = manifests(dir);
    expect(m.small).toBe(m.mem);
    expect(m.one).toBe(m.mem);
    ok(dir, ['commit', '-m', 'sorted']);
    expectGitClean(dir);
  });

  it('rows out of order are sorted in spilled runs and merged into the same table', () => {
    const dir = newRepo();
    const src = tempDir();
    const file = writeFile(src, 'shuffled.csv', csv(shuffled(ROWS)));
    const tmp = tempDir('fv-tmpdir-');
    ok(dir, ['import', file, '--table', 'runs', '--key', 'region,id'], { env: { ...SMALL, TMPDIR: tmp } });
    expect(fs.readdirSync(tmp)).toEqual([]);
    ok(dir, ['import', file, '--table', 'one', '--key', 'region,id']);
    importInMemory(dir, src, file, 'mem', 'region,id');
    // From stdin too: it is spooled once and read twice.
    ok(dir, ['import', '-', '--table', 'stdin', '--key', 'region,id'], { env: SMALL, input: fs.readFileSync(file) });
    const m = manifests(dir);
    expect(m.runs).toBe(m.mem);
    expect(m.one).toBe(m.mem);
    expect(m.stdin).toBe(m.mem);
    expect(ok(dir, ['export', 'runs']).split('\n')).toHaveLength(ROWS + 2);
    ok(dir, ['commit', '-m', 'shuffled']);
    expectGitClean(dir);
  });

  it('an unkeyed table keeps file order, in many batches', () => {
    const dir = newRepo();
    const src = tempDir();
    const file = writeFile(src, 'shuffled.csv', csv(shuffled(ROWS)));
    ok(dir, ['import', file, '--table', 'small'], { env: SMALL });
    ok(dir, ['import', file, '--table', 'one']);
    expect(manifests(dir).small).toBe(manifests(dir).one);
  });

  it('a type guess contradicted past the guessed rows redoes the streamed import under the final types', () => {
    const dir = newRepo();
    const src = tempDir();
    const lines = ['id,n'];
    const order = shuffled(12000);
    for (const i of order) lines.push(`${i},${i === order[11000] ? '2.5' : i * 3}`);
    const unsorted = writeFile(src, 'late.csv', lines.join('\n') + '\n');
    const sorted = writeFile(src, 'late-sorted.csv', ['id,n', ...lines.slice(1).sort((a, b) => Number(a.split(',')[0]) - Number(b.split(',')[0]))].join('\n') + '\n');
    ok(dir, ['import', unsorted, '--table', 'u', '--key', 'id'], { env: { FV_IMPORT_BATCH_ROWS: '1000', FV_IMPORT_RUN_ROWS: '2500' } });
    ok(dir, ['import', sorted, '--table', 's', '--key', 'id'], { env: { FV_IMPORT_BATCH_ROWS: '1000' } });
    ok(dir, ['import', sorted, '--table', 'given', '--key', 'id', '--types', 'n:float64']);
    const m = manifests(dir);
    expect(m.u).toBe(m.given);
    expect(m.s).toBe(m.given);
  });

  it('a duplicate key in two different runs is refused, naming both lines; nothing is left behind', () => {
    const dir = newRepo();
    const src = tempDir();
    const ids = shuffled(ROWS);
    // The key (eu, 3) again on the last line, far from its first line (a different run).
    const first = ids.indexOf(3) + 2;
    const file = writeFile(src, 'dup.csv', csv([...ids, 3]));
    const tmp = tempDir('fv-tmpdir-');
    const before = treeState(dir);
    fails(dir, ['import', file, '--table', 'd', '--key', 'region,id'], new RegExp(`^fv: error: duplicate key \\(eu,3\\) at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${ROWS + 2}, first seen at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${first}$`), { env: { ...SMALL, TMPDIR: tmp } });
    expect(treeState(dir)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual([]);
    // In key order, the duplicate is found while streaming (here across two batches), with the same message.
    const sortedIds = Array.from({ length: 30 }, (_, i) => i * 3);
    const inOrder = writeFile(src, 'dup-sorted.csv', csv([...sortedIds.slice(0, 11), 30, ...sortedIds.slice(11)]));
    fails(dir, ['import', inOrder, '--table', 'd', '--key', 'id'], /duplicate key \(30\) at .*dup-sorted\.csv:13, first seen at .*dup-sorted\.csv:12$/, { env: { FV_IMPORT_BATCH_ROWS: '11' } });
    fails(dir, ['import', inOrder, '--table', 'd', '--key', 'id'], /duplicate key \(30\) at .*dup-sorted\.csv:13, first seen at .*dup-sorted\.csv:12$/);
    expect(treeState(dir)).toEqual(before);
  });

  it('a missing key cell is reported before a duplicate, as when the whole file was read first', () => {
    const dir = newRepo();
    const src = tempDir();
    const lines = ['id,v', '1,a', '2,b', '2,c', '3,d', ',e', '4,f'];
    const file = writeFile(src, 'nullkey.csv', lines.join('\n') + '\n');
    fails(dir, ['import', file, '--table', 'n', '--key', 'id'], /nullkey\.csv:6: key column "id" is empty$/, { env: { FV_IMPORT_BATCH_ROWS: '2' } });
    // A malformed line after both is reported first.
    const ragged = writeFile(src, 'ragged.csv', [...lines, '5,g,extra'].join('\n') + '\n');
    fails(dir, ['import', ragged, '--table', 'n', '--key', 'id'], /ragged\.csv:8: expected 2 fields, found 3/, { env: { FV_IMPORT_BATCH_ROWS: '2' } });
  });

  it('Ctrl-C while runs are spilled removes them and leaves the repository unchanged', async () => {
    const dir = newRepo();
    const src = tempDir();
    const file = writeFile(src, 'big.csv', csv(shuffled(100000)));
    const tmp = tempDir('fv-tmpdir-');
    const before = treeState(dir);
    const p = spawn(process.execPath, [FV, 'import', file, '--table', 'big', '--key', 'region,id'], { cwd: dir, env: fvEnv(dir, { TMPDIR: tmp, FV_IMPORT_RUN_ROWS: '5000' }), stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => p.on('exit', (_code, signal) => resolve(signal)));
    // Wait until a run has been spilled (polling; no timing is asserted).
    const spilled = (): boolean => fs.readdirSync(tmp).some((d) => fs.readdirSync(path.join(tmp, d)).length > 0);
    while (!spilled()) await new Promise((r) => setTimeout(r, 10));
    p.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(fs.readdirSync(tmp)).toEqual([]);
    const after = treeState(dir);
    // The lock file a killed command leaves is recovered by the next command (spine tests).
    after.delete(path.join('.git', 'fv.lock'));
    before.delete(path.join('.git', 'fv.lock'));
    expect(after).toEqual(before);
    ok(dir, ['import', writeFile(src, 'small.csv', csv([1, 2, 3])), '--table', 'small', '--key', 'region,id']);
  });
});
