/**
 * `fv build` on a feature source stored keyed by (entity key, event time):
 * its rows are already in rank order, so the join skips re-sorting them
 * (pit-join.ts). The answer must be exactly the one from the same rows
 * stored unkeyed (file order, sorted by the join).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, newRepo, ok, tempDir, writeFile } from '../helpers.js';

// Shuffled on purpose; (user_id, ts) is unique, so no tie rule is involved.
const STATS = `user_id,ts,spend
1,2024-02-20,30
3,2023-10-01,99
1,2024-01-01,10
2,2024-01-05,6
1,2024-01-10,25
`;
const SPINE = `user_id,label_ts
2,2024-01-05
1,2024-01-11
1,2024-01-10
3,2024-01-15
4,2024-01-15
1,2024-03-01
`;

function defs(statsTable: string): string {
  return JSON.stringify({
    entities: { user: { keys: ['user_id'] } },
    sources: {
      stats: { table: statsTable, entities: ['user'], event_time: 'ts' },
      spine: { table: 'spine', entities: ['user'], event_time: 'label_ts' },
    },
    features: { spend: { source: 'stats', column: 'spend' } },
    training_sets: {
      incl: { spine: 'spine', features: ['spend'], as_of: { inclusive: true, created_cutoff: false } },
      excl: { spine: 'spine', features: ['spend'], as_of: { inclusive: false, created_cutoff: false } },
    },
  }) + '\n';
}

describe('fv build on a source stored sorted by (key, event time)', () => {
  it('gives the exact as-of rows, and the same bytes as the unsorted source', () => {
    const dir = newRepo();
    const stats = dataFile('stats.csv', STATS);
    ok(dir, ['import', stats, '--table', 'stats_keyed', '--key', 'user_id,ts']);
    ok(dir, ['import', stats, '--table', 'stats_plain']);
    ok(dir, ['import', dataFile('spine.csv', SPINE), '--table', 'spine']);
    const out = tempDir('fv-build-sorted-');
    const read = (f: string): string => fs.readFileSync(path.join(out, f), 'utf8');
    const built: Record<string, Buffer> = {};
    for (const table of ['stats_keyed', 'stats_plain']) {
      writeFile(dir, 'features.json', defs(table));
      ok(dir, ['commit', '-m', `features from ${table}`]);
      for (const ts of ['incl', 'excl']) {
        ok(dir, ['build', ts, '-o', path.join(out, `${table}.${ts}.csv`), '--lock', path.join(out, `${table}.${ts}.lock.json`)]);
        ok(dir, ['build', ts, '-o', path.join(out, `${table}.${ts}.parquet`), '--lock', path.join(out, `${table}.${ts}.p.lock.json`)]);
        built[`${table}.${ts}`] = fs.readFileSync(path.join(out, `${table}.${ts}.parquet`));
      }
    }
    expect(read('stats_keyed.incl.csv')).toBe(
      'user_id,label_ts,spend\n' +
      '2,2024-01-05,6\n' + // t == T counts when inclusive
      '1,2024-01-11,25\n' +
      '1,2024-01-10,25\n' +
      '3,2024-01-15,99\n' +
      '4,2024-01-15,\n' + // no source row for user 4
      '1,2024-03-01,30\n',
    );
    expect(read('stats_keyed.excl.csv')).toBe(
      'user_id,label_ts,spend\n' +
      '2,2024-01-05,\n' + // nothing strictly earlier
      '1,2024-01-11,25\n' +
      '1,2024-01-10,10\n' +
      '3,2024-01-15,99\n' +
      '4,2024-01-15,\n' +
      '1,2024-03-01,30\n',
    );
    for (const ts of ['incl', 'excl']) {
      expect(read(`stats_plain.${ts}.csv`)).toBe(read(`stats_keyed.${ts}.csv`));
      expect(built[`stats_plain.${ts}`]!.equals(built[`stats_keyed.${ts}`]!), ts).toBe(true);
    }
    expectGitClean(dir);
  });
});
