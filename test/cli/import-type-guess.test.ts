/**
 * CSV import reads the file once: column types are guessed from the first
 * rows and checked against every later cell, and the file is converted
 * again when a later cell contradicts the guess. These tests put the
 * contradicting value far past the guessed prefix (8192 rows) and compare
 * with the same rows where it sits in the first lines: the table (types,
 * values, content hash) must not depend on where the value is.
 */
import { describe, expect, it } from 'vitest';
import { expectGitClean, fails, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';

const ROWS = 12000;

interface Shown {
  rows: number;
  content_hash: string;
  columns: { name: string; type: string; nulls: number }[];
}

const show = (dir: string, t: string): Shown => JSON.parse(ok(dir, ['show', t, '--json'])) as Shown;
const types = (s: Shown): string[] => s.columns.map((c) => `${c.name}:${c.type}`);

/**
 * Rows id, n, ts, late: n is an integer except `odd` at row `at`; ts has
 * whole seconds except a millisecond fraction at row `at`; `late` is empty
 * except from row `at` on.
 */
function csv(at: number, odd: string): string {
  const lines = ['id,n,ts,late'];
  for (let i = 0; i < ROWS; i++) {
    const n = i === at ? odd : String(i * 7 - 5000);
    const ts = `2024-03-01T10:00:${String(i % 60).padStart(2, '0')}${i === at ? '.250' : ''}Z`;
    lines.push(`${i},${n},${ts},${i >= at ? i % 5 : ''}`);
  }
  return lines.join('\n') + '\n';
}

describe('CSV types guessed from the first rows', () => {
  it('a value past the guessed rows that contradicts the guess gives the table of the whole file', () => {
    const dir = newRepo();
    const src = tempDir();
    const file = writeFile(src, 'late.csv', csv(11000, '2.5'));
    ok(dir, ['import', file, '--table', 'late', '--key', 'id']);
    ok(dir, ['import', writeFile(src, 'early.csv', csv(3, '2.5')), '--table', 'early', '--key', 'id']);
    const late = show(dir, ':late');
    const final = ['id:int64', 'n:float64', 'ts:timestamp[ms, UTC]', 'late:int64'];
    expect(types(late)).toEqual(final);
    expect(types(show(dir, ':early'))).toEqual(final);
    expect(late.rows).toBe(ROWS);
    expect(late.columns[3]!.nulls).toBe(11000);
    // The same file read under those types given up front (no guessing) is the same table.
    ok(dir, ['import', file, '--table', 'given', '--key', 'id', '--types', 'n:float64,ts:timestamp[ms, UTC],late:int64']);
    expect(show(dir, ':given').content_hash).toBe(late.content_hash);
    // The values are read under the final types: the fraction and the float survive.
    const out = ok(dir, ['export', 'late']).split('\n');
    expect(out[0]).toBe('id,n,ts,late');
    expect(out[1 + 11000]).toBe('11000,2.5,2024-03-01T10:00:20.250Z,0');
    expect(out[1 + 10999]).toBe('10999,71993.0,2024-03-01T10:00:19.000Z,');
    ok(dir, ['commit', '-m', 'both']);
    expectGitClean(dir);
  });

  it('a column guessed as integers that turns out to be text later is text, with every value kept', () => {
    const dir = newRepo();
    const src = tempDir();
    ok(dir, ['import', writeFile(src, 'a.csv', csv(9000, '12a')), '--table', 'a']);
    const a = show(dir, ':a');
    expect(types(a).slice(0, 2)).toEqual(['id:int64', 'n:utf8']);
    const out = ok(dir, ['export', 'a']).split('\n');
    expect(out[1 + 9000]!.split(',')[1]).toBe('12a');
    expect(out[1 + 8999]!.split(',')[1]).toBe(String(8999 * 7 - 5000));
  });

  it('a cell that does not fit a type given with --types is reported with its line, past the guessed rows too', () => {
    const dir = newRepo();
    const src = tempDir();
    const file = writeFile(src, 'bad.csv', csv(10000, 'x'));
    const before = treeState(dir);
    fails(dir, ['import', file, '--table', 't', '--types', 'n:int64'], /^fv: error: .*bad\.csv:10002: column "n": /);
    expect(treeState(dir)).toEqual(before);
  });

  it('an error in the file structure after a contradicted guess is still reported, not hidden by the re-read', () => {
    const dir = newRepo();
    const src = tempDir();
    const text = csv(9000, '1.5') + '1,2\n';
    const before = treeState(dir);
    fails(dir, ['import', writeFile(src, 's.csv', text), '--table', 't'], new RegExp(`s\\.csv:${ROWS + 2}: expected 4 fields, found 2`));
    expect(treeState(dir)).toEqual(before);
  });
});
