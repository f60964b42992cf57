/**
 * Bad input to training sets: each is exit 2 with one `fv: error:` line
 * naming the file and the JSON path, and leaves the repository and the
 * working state exactly as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, fixture, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';

type Defs = Record<string, any>;
const fixtureDefs = (): Defs => JSON.parse(fs.readFileSync(fixture('features', 'features.json'), 'utf8'));

/** A repository with the fixture feature repository committed. */
function fixtureRepo(): string {
  const dir = newRepo();
  fs.copyFileSync(fixture('features', 'features.json'), path.join(dir, 'features.json'));
  for (const t of ['users', 'transactions', 'labels']) ok(dir, ['import', fixture('features', `${t}.csv`), '--table', t, '-q']);
  ok(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

/** Runs `args`, expects exit 2 matching `pattern`, and that nothing in the directory changed. */
function failsUnchanged(dir: string, args: string[], pattern: RegExp): void {
  const before = treeState(dir);
  fails(dir, args, pattern);
  expect(treeState(dir)).toEqual(before);
}

describe('bad definitions are refused with the file and JSON path', () => {
  // One repository for the cases below: each writes its own features.json, and none commits.
  let shared: string | undefined;
  const repo = (): string => (shared ??= fixtureRepo());
  const cases: [string, (d: Defs) => void, RegExp][] = [
    ['unknown entity', (d) => (d.sources.users.entities = ['usr']), /^fv: error: features\.json: sources\.users\.entities\[0\]: unknown entity "usr"/],
    ['unknown source', (d) => (d.features.plan.source = 'user'), /^fv: error: features\.json: features\.plan\.source: unknown source "user"/],
    ['unknown column', (d) => (d.features.plan.column = 'tier'), /^fv: error: features\.json: features\.plan\.column: no column "tier" in table users/],
    ['unknown feature', (d) => d.training_sets.churn_v1.features.push('age'), /^fv: error: features\.json: training_sets\.churn_v1\.features\[4\]: unknown feature "age"/],
    ['non-ISO duration', (d) => (d.features.last_amount.ttl = '14 days'), /^fv: error: features\.json: features\.last_amount\.ttl: bad duration "14 days"/],
    ['months', (d) => (d.features.last_amount.ttl = 'P1M'), /^fv: error: features\.json: features\.last_amount\.ttl: bad duration "P1M": years and months/],
    ['type mismatch', (d) => (d.features.last_amount.type = 'int64'), /^fv: error: features\.json: features\.last_amount\.type: declared int64, but column "amount" of table transactions is float64/],
    ['unknown type', (d) => (d.features.plan.type = 'str1ng'), /^fv: error: features\.json: features\.plan\.type: unknown type "str1ng"/],
  ];
  it.each(cases)('%s', (what, mutate, pattern) => {
    const dir = repo();
    const d = fixtureDefs();
    mutate(d);
    writeFile(dir, 'features.json', JSON.stringify(d, null, 2));
    // The commit gate and `fv check` load the working definitions; both refuse them
    // (failsUnchanged also proves no commit was made: .git is byte for byte the same).
    failsUnchanged(dir, ['commit', '-m', what], pattern);
    failsUnchanged(dir, ['check'], pattern);
    fs.copyFileSync(fixture('features', 'features.json'), path.join(dir, 'features.json'));
    expectGitClean(dir);
  });

  it('a spine without its entity key columns', () => {
    const dir = fixtureRepo();
    ok(dir, ['import', dataFile('labels-nokey.csv', 'customer,label_ts,churned\n1,2024-01-01T00:00:00Z,true\n'), '--table', 'labels', '-q']);
    failsUnchanged(dir, ['commit', '-m', 'spine without user_id'], /^fv: error: features\.json: sources\.labels\.entities\[0\]: no column "user_id" in table labels/);
  });
});

describe('bad event times are refused by fv build, naming the source definition', () => {
  it('an event-time column with nulls, and one whose values did not parse as times', () => {
    const dir = fixtureRepo();
    const out = tempDir('fv-bad-out-');
    // Definitions first (no tables yet, so nothing to check against), then the bad data.
    ok(dir, ['import', dataFile('labels-null.csv', 'user_id,label_ts,churned\n1,2024-01-01T00:00:00Z,true\n2,,false\n3,,true\n'), '--table', 'labels', '-q']);
    ok(dir, ['commit', '-q', '-m', 'labels with missing times']);
    failsUnchanged(dir, ['build', 'churn_v1', '-o', path.join(out, 'a.csv')], /^fv: error: features\.json at [0-9a-f]{7}: sources\.labels\.event_time: column "label_ts" of table labels has 2 null values \(first at stored row 2\)/);
    ok(dir, ['import', fixture('features', 'labels.csv'), '--table', 'labels', '-q']);
    ok(dir, ['import', dataFile('tx-text.csv', 'user_id,ts,created_ts,amount,count_30d\n1,2024-01-05T10:00:00Z,2024-01-05T12:00:00Z,20.5,1\n1,yesterday,2024-01-06T00:00:00Z,3.0,2\n'), '--table', 'transactions', '-q']);
    ok(dir, ['commit', '-q', '-m', 'transactions with a time that does not parse']);
    failsUnchanged(dir, ['build', 'churn_v1', '-o', path.join(out, 'b.csv')], /^fv: error: features\.json at [0-9a-f]{7}: sources\.transactions\.event_time: column "ts" of table transactions is utf8, not a timestamp, date or integer/);
    expect(fs.readdirSync(out)).toEqual([]);
    expectGitClean(dir);
  });
});

describe('bad lock files are refused naming the lock file', () => {
  it('malformed, an unknown commit, a newer format version', () => {
    const dir = fixtureRepo();
    const out = tempDir('fv-bad-lock-');
    ok(dir, ['build', 'churn_v1', '-o', path.join(out, 'churn_v1.arrow')]);
    const lock = JSON.parse(fs.readFileSync(path.join(out, 'churn_v1.lock.json'), 'utf8'));
    const write = (name: string, l: unknown): string => writeFile(out, name, typeof l === 'string' ? l : JSON.stringify(l));
    failsUnchanged(dir, ['repro', write('trunc.lock.json', '{"commit": '), '--check'], /trunc\.lock\.json: not valid JSON/);
    failsUnchanged(dir, ['repro', write('nocommit.lock.json', { ...lock, commit: 'c'.repeat(40) }), '--check'], /nocommit\.lock\.json: commit c{40} is not in this repository/);
    failsUnchanged(dir, ['repro', write('newer.lock.json', { ...lock, fv_format: 2 }), '--check'], /newer\.lock\.json: fv_format: expected 1, got 2: written by a newer fv/);
    failsUnchanged(dir, ['repro', write('norows.lock.json', { ...lock, output: { ...lock.output, rows: undefined } }), '--check'], /norows\.lock\.json: output\.rows/);
    expectGitClean(dir);
  });
});

describe('a damaged chunk object', () => {
  it('is reported by fv build (exit 2), never joined', () => {
    const dir = fixtureRepo();
    // Find the loose object of a chunk (an Arrow IPC blob) and flip one byte of its data.
    const objects = path.join(dir, '.git', 'objects');
    let damaged = '';
    for (const d of fs.readdirSync(objects).filter((x) => /^[0-9a-f]{2}$/.test(x))) {
      for (const f of fs.readdirSync(path.join(objects, d))) {
        const file = path.join(objects, d, f);
        const raw = inflateSync(fs.readFileSync(file));
        const body = raw.indexOf(0) + 1;
        if (damaged === '' && raw.subarray(0, 5).toString() === 'blob ' && raw.subarray(body, body + 6).toString() === 'ARROW1') {
          raw[raw.length - 20] = raw[raw.length - 20]! ^ 0xff;
          fs.chmodSync(file, 0o644);
          fs.writeFileSync(file, deflateSync(raw));
          damaged = d + f;
        }
      }
    }
    expect(damaged).toMatch(/^[0-9a-f]{40}$/);
    fails(dir, ['build', 'churn_v1', '-o', path.join(tempDir('fv-damaged-'), 'x.csv')], new RegExp(`git object ${damaged} is damaged: its content hashes to [0-9a-f]{40}`));
  });
});
