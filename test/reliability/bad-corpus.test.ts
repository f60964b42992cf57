/**
 * The bad-input corpus: every file in fixtures/bad goes through the fv
 * command that reads that kind of file, and must give exit 2, one
 * `fv: error:` line (plus optional `hint:` lines), no stack trace, no
 * "internal error", and a repository byte-for-byte as it was.
 *   *.schema.json     fv import <good csv> --schema <file>
 *   defs-*.json       copied to features.json: fv check, and fv commit
 *   *.lock.json       fv repro <file>
 *   anything else     fv import <file> (with the extra arguments below)
 * Corrupt Arrow / Parquet files are made by make-bad-binaries.mjs. Huge
 * fields are generated here rather than committed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, fixture, newRepo, ok, treeState, writeFile } from '../helpers.js';
import { settle } from './kill-harness.js';

const BAD = fixture('bad');
const files = fs.readdirSync(BAD).sort();

/** Files that are only bad together with some arguments (else they are valid tables). */
const EXTRA: Record<string, string[]> = {
  'dup_key.csv': ['--key', 'id'],
  'bad_int.csv': ['--types', 'age:int64'],
  'timestamp_overflow.csv': ['--types', 't:timestamp[ns, UTC]'],
  // Appends into the committed table t (id int64, name, score).
  'append_other_columns.csv': ['--mode', 'append'],
  'append_wrong_type.csv': ['--mode', 'append'],
};

function commandsFor(file: string): string[][] {
  const p = path.join(BAD, file);
  if (file.endsWith('.schema.json')) return [['import', fixture('tables', 'ints.csv'), '--table', 'n', '--schema', p]];
  if (file.startsWith('defs-')) return [['check'], ['commit', '-m', 'hostile definitions']];
  if (file.endsWith('.lock.json')) return [['repro', p]];
  const table = file.startsWith('append_') ? 't' : 'n';
  return [['import', p, '--table', table, ...(EXTRA[file] ?? [])]];
}

let repo: string;

beforeAll(() => {
  repo = newRepo();
  ok(repo, ['import', dataFile('corpus-base.csv', 'id,name,score\n1,ana,1.5\n2,bo,2.5\n'), '--table', 't', '--key', 'id']);
  ok(repo, ['commit', '-m', 'base']);
});

/** Runs every command for a file: each must fail cleanly and change nothing. */
function failsUnchanged(args: string[]): void {
  const before = treeState(repo);
  const r = fails(repo, args, /^fv: error: /);
  expect(r.stderr, args.join(' ')).not.toMatch(/internal error/);
  expect(treeState(repo), `${args.join(' ')} changed the repository`).toEqual(before);
}

describe('bad-input corpus (fixtures/bad)', () => {
  it('has at least 50 files covering every kind of input', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
    for (const ext of ['.csv', '.tsv', '.jsonl', '.json', '.arrow', '.arrows', '.parquet', '.schema.json', '.lock.json']) {
      expect(files.some((f) => f.endsWith(ext)), ext).toBe(true);
    }
    expect(files.some((f) => f.startsWith('defs-'))).toBe(true);
  });

  it('every file fails with one fv: error line, exit 2, and the repository unchanged', async () => {
    const tried: string[] = [];
    for (const file of files) {
      if (file.startsWith('defs-')) {
        // Hostile definitions sit in the work tree where users edit them.
        const defs = path.join(repo, 'features.json');
        fs.copyFileSync(path.join(BAD, file), defs);
        for (const args of commandsFor(file)) failsUnchanged(args);
        fs.rmSync(defs);
      } else {
        for (const args of commandsFor(file)) failsUnchanged(args);
      }
      tried.push(file);
      await settle();
    }
    expect(tried.length).toBe(files.length);
    expectGitClean(repo);
  }, 30 * 60_000);

  it('huge fields: a 16 MiB CSV field imports and exports exactly; unterminated, it is refused naming its first line', async () => {
    const big = 'x'.repeat(16 * 1024 * 1024);
    const dir = newRepo();
    const good = dataFile('huge-field.csv', `id,blob\n1,short\n2,"${big}"\n`);
    ok(dir, ['import', good, '--table', 'h', '--key', 'id']);
    expect(ok(dir, ['export', 'h'])).toBe(`id,blob\n1,short\n2,${big}\n`);
    await settle();
    const unterminated = dataFile('huge-unterminated.csv', `id,blob\n1,short\n2,"${big}\n`);
    const before = treeState(dir);
    fails(dir, ['import', unterminated, '--table', 'u'], /huge-unterminated\.csv:3: unterminated quoted field starting at line 3/);
    expect(treeState(dir)).toEqual(before);
    // A huge JSON string and a huge JSON key name are data too.
    const jsonl = writeFile(path.dirname(good), 'huge-field.jsonl', `{"id": 1, "blob": "${big}"}\n`);
    ok(dir, ['import', jsonl, '--table', 'j']);
    expect(JSON.parse(ok(dir, ['export', 'j', '--format', 'jsonl'])).blob.length).toBe(big.length);
  }, 10 * 60_000);
});
