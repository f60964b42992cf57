/**
 * Training sets on hand-worked cases: the bundled fixture feature repository
 * (fixtures/features, also the README walk-through), and a case with several
 * entities, duplicate spine rows and unsorted inputs. Every expected row is
 * worked out by hand from the as-of rule of SPEC section 4 (see comments).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildText, dataFile, expectGitClean, fixture, newRepo, ok, readText, tempDir, writeFile } from '../helpers.js';

describe('the bundled fixture feature repository', () => {
  it('imports, commits, builds churn_v1 and churn_backfilled with the hand-worked rows, and repro --check passes', () => {
    const dir = newRepo();
    const out = tempDir('fv-fixture-out-');
    fs.copyFileSync(fixture('features', 'features.json'), path.join(dir, 'features.json'));
    for (const t of ['users', 'transactions', 'labels']) ok(dir, ['import', fixture('features', `${t}.csv`), '--table', t, '-q']);
    ok(dir, ['commit', '-q', '-m', 'fixture feature repository']);

    // as_of inclusive, created_cutoff on; last_amount has a 14-day TTL.
    expect(buildText(dir, 'churn_v1', path.join(out, 'churn_v1.csv'))).toBe(
      'user_id,label_ts,churned,country,plan,last_amount,txn_count_30d\n' +
      // users: the 02-01 row (pro). transactions: the 02-10 row landed on 02-12, after T, so the
      // 01-20 row is the latest known; it is 21.6 days old, beyond last_amount's TTL -> null.
      '1,2024-02-11T00:00:00Z,false,DE,pro,,2\n' +
      // the first users row of user 2 is 01-15, after T; no transaction yet: all null
      '2,2024-01-10T00:00:00Z,true,,,,\n' +
      // exact-time match: the transaction at 09:00 (created 09:00) counts at T = 09:00
      '1,2024-01-20T09:00:00Z,false,DE,free,35.0,2\n' +
      // two transactions at 01-16 08:00: the one created later (the 100.0 correction) wins
      '2,2024-01-25T00:00:00Z,true,FR,free,100.0,1\n' +
      '3,2024-03-05T00:00:00Z,false,US,pro,5.0,1\n' +
      // user 4 has no rows anywhere: the spine row is kept, with nulls
      '4,2024-03-05T00:00:00Z,false,,,,\n',
    );
    // created_cutoff off: the late-landing 02-10 transaction leaks into the 02-11 row.
    expect(buildText(dir, 'churn_backfilled', path.join(out, 'backfilled.csv'))).toBe(
      'user_id,label_ts,churned,last_amount,txn_count_30d\n' +
      '1,2024-02-11T00:00:00Z,false,12.25,3\n' +
      '2,2024-01-10T00:00:00Z,true,,\n' +
      '1,2024-01-20T09:00:00Z,false,35.0,2\n' +
      '2,2024-01-25T00:00:00Z,true,100.0,1\n' +
      '3,2024-03-05T00:00:00Z,false,5.0,1\n' +
      '4,2024-03-05T00:00:00Z,false,,\n',
    );
    const lock = JSON.parse(readText(path.join(out, 'churn_v1.lock.json')));
    expect(Object.keys(lock.tables)).toEqual(['labels', 'transactions', 'users']);
    expect(lock.output.rows).toBe(6);
    expect(ok(dir, ['repro', path.join(out, 'churn_v1.lock.json'), '--check'])).toMatch(/^ok: churn_v1 rebuilds from [0-9a-f]{7}/);
    expectGitClean(dir);
  });
});

// Orders (the spine) carry a user and a merchant; risk is keyed by user, chargebacks by a
// string merchant id. The spine has a duplicate row and neither input is sorted.
const ORDERS = `user_id,merchant_id,order_ts,fraud
2,m1,2024-01-10,false
1,m2,2024-01-05,true
2,m1,2024-01-10,false
1,m1,2024-01-20,false
3,m2,2024-01-01,false
`;
const RISK = `user_id,day,risk
1,2024-01-15,0.7
2,2024-01-01,0.2
1,2024-01-01,0.1
2,2024-01-12,0.9
`;
const MERCHANTS = `merchant_id,day,chargebacks
m2,2024-01-04,3
m1,2024-01-09,0
m2,2024-01-02,1
m1,2024-01-21,5
`;
const DEFS = {
  entities: { user: { keys: ['user_id'] }, merchant: { keys: ['merchant_id'] } },
  sources: {
    orders: { table: 'orders', entities: ['user', 'merchant'], event_time: 'order_ts' },
    risk: { table: 'user_risk', entities: ['user'], event_time: 'day' },
    merchants: { table: 'merchant_stats', entities: ['merchant'], event_time: 'day' },
  },
  features: {
    risk: { source: 'risk', column: 'risk', type: 'float64' },
    chargebacks: { source: 'merchants', column: 'chargebacks' },
  },
  labels: { fraud: { source: 'orders', column: 'fraud' } },
  training_sets: { fraud_v1: { spine: 'orders', label: 'fraud', features: ['risk', 'chargebacks'], as_of: { inclusive: true, created_cutoff: false } } },
};

describe('features from different sources with different keys', () => {
  it('joins each feature on its own entity keys, keeps duplicate spine rows and the spine order, on unsorted inputs', () => {
    const dir = newRepo();
    writeFile(dir, 'features.json', JSON.stringify(DEFS, null, 2) + '\n');
    ok(dir, ['import', dataFile('orders.csv', ORDERS), '--table', 'orders', '-q']);
    ok(dir, ['import', dataFile('risk.csv', RISK), '--table', 'user_risk', '-q']);
    ok(dir, ['import', dataFile('merchants.csv', MERCHANTS), '--table', 'merchant_stats', '-q']);
    ok(dir, ['commit', '-q', '-m', 'orders, risk, merchants']);
    const out = path.join(tempDir('fv-keys-out-'), 'fraud.csv');
    expect(buildText(dir, 'fraud_v1', out)).toBe(
      'user_id,merchant_id,order_ts,fraud,risk,chargebacks\n' +
      '2,m1,2024-01-10,false,0.2,0\n' + // user 2 <= 01-10: the 01-01 row; m1 <= 01-10: the 01-09 row
      '1,m2,2024-01-05,true,0.1,3\n' + // user 1: 01-01 (01-15 is later); m2: 01-04 beats 01-02
      '2,m1,2024-01-10,false,0.2,0\n' + // the duplicate spine row, kept as is
      '1,m1,2024-01-20,false,0.7,0\n' + // user 1: 01-15; m1: 01-09 (01-21 is after T)
      '3,m2,2024-01-01,false,,\n', // no user 3 rows; m2's first row is 01-02, after T
    );
    expectGitClean(dir);
  });
});
