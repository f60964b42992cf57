/**
 * `fv build` and `fv repro`: the point-in-time join on a small worked
 * example with exact expected rows, deterministic bytes, lock files, and
 * rebuilding from exactly the recorded commit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildText, dataFile, expectGitClean, fails, fv, newRepo, ok, readText, tempDir, writeFile } from '../helpers.js';
import { pointInTimeJoin } from '../../src/features/pit-join.js';
import type { TableData } from '../../src/table/table-data.js';

// user 1 has two rows at 2024-01-10 (created 01-12 and 01-10); user 2 two rows
// identical up to spend (the tie goes to the last by values: spend 6); user 3
// only an old row (beyond spend's 30-day TTL); user 4 none.
const STATS = `user_id,ts,created_ts,spend_7d,visits_7d
1,2024-01-01,2024-01-01,10,1
1,2024-01-10,2024-01-12,25,3
1,2024-01-10,2024-01-10,20,2
1,2024-02-20,2024-02-20,30,4
2,2024-01-05,2024-01-05,6,0
2,2024-01-05,2024-01-05,5,7
3,2023-10-01,2023-10-01,99,9
`;
// The spine is unkeyed: stored in file order, which the output keeps.
const CHURN = `user_id,label_ts,churned
2,2024-01-05,false
1,2024-01-11,true
1,2024-01-10,false
3,2024-01-15,true
4,2024-01-15,false
1,2024-03-01,false
1,2024-05-01,true
`;

function defs(extra: Record<string, unknown> = {}): string {
  const asOf = (inclusive: boolean, created_cutoff: boolean): unknown => ({ inclusive, created_cutoff });
  return JSON.stringify({
    entities: { user: { keys: ['user_id'] } },
    sources: {
      user_stats: { table: 'user_stats', entities: ['user'], event_time: 'ts', created_time: 'created_ts' },
      churn: { table: 'churn_labels', entities: ['user'], event_time: 'label_ts' },
    },
    features: {
      spend_7d: { source: 'user_stats', column: 'spend_7d', ttl: 'P30D' },
      visits_7d: { source: 'user_stats', column: 'visits_7d' },
    },
    labels: { churned: { source: 'churn', column: 'churned' } },
    training_sets: {
      incl: { spine: 'churn', label: 'churned', features: ['spend_7d', 'visits_7d'], as_of: asOf(true, false) },
      excl: { spine: 'churn', label: 'churned', features: ['spend_7d', 'visits_7d'], as_of: asOf(false, false) },
      cut: { spine: 'churn', features: ['visits_7d', 'spend_7d'], as_of: asOf(true, true) },
      ...extra,
    },
  }, null, 2) + '\n';
}

function setup(): { dir: string; out: string; commit: string } {
  const dir = newRepo();
  writeFile(dir, 'features.json', defs());
  ok(dir, ['import', dataFile('stats.csv', STATS), '--table', 'user_stats']);
  ok(dir, ['import', dataFile('churn.csv', CHURN), '--table', 'churn_labels']);
  ok(dir, ['commit', '-m', 'data and definitions']);
  const commit = (JSON.parse(ok(dir, ['log', '--json'])) as { commit: string }[])[0]!.commit;
  return { dir, out: tempDir('fv-build-out-'), commit };
}

describe('fv build: point-in-time join', () => {
  it('gives the exact as-of rows: inclusive vs exclusive, TTL, created cutoff, ties, no match, spine order', () => {
    const { dir, out, commit } = setup();
    expect(buildText(dir, 'incl', path.join(out, 'incl.csv'))).toBe(
      'user_id,label_ts,churned,spend_7d,visits_7d\n' +
      '2,2024-01-05,false,6,0\n' + // t <= T inclusive; tie on ts and created -> last by values
      '1,2024-01-11,true,25,3\n' + // tie on ts 01-10 -> greatest created time (01-12)
      '1,2024-01-10,false,25,3\n' +
      '3,2024-01-15,true,,9\n' + // spend's TTL P30D expired -> null; visits has no TTL
      '4,2024-01-15,false,,\n' + // no source row at all
      '1,2024-03-01,false,30,4\n' +
      '1,2024-05-01,true,,4\n',
    );
    expect(buildText(dir, 'excl', path.join(out, 'excl.csv'))).toBe(
      'user_id,label_ts,churned,spend_7d,visits_7d\n' +
      '2,2024-01-05,false,,\n' + // t < T: nothing earlier
      '1,2024-01-11,true,25,3\n' +
      '1,2024-01-10,false,10,1\n' + // t < 01-10 -> the 01-01 row
      '3,2024-01-15,true,,9\n' +
      '4,2024-01-15,false,,\n' +
      '1,2024-03-01,false,30,4\n' +
      '1,2024-05-01,true,,4\n',
    );
    expect(buildText(dir, 'cut', path.join(out, 'cut.csv'))).toBe(
      'user_id,label_ts,visits_7d,spend_7d\n' + // no label; features in the listed order
      '2,2024-01-05,0,6\n' +
      '1,2024-01-11,2,20\n' + // the row created 01-12 is not yet known at 01-11
      '1,2024-01-10,2,20\n' +
      '3,2024-01-15,9,\n' +
      '4,2024-01-15,,\n' +
      '1,2024-03-01,4,30\n' +
      '1,2024-05-01,4,\n',
    );
    const lock = JSON.parse(readText(path.join(out, 'incl.lock.json')));
    expect(lock).toMatchObject({ fv_format: 1, training_set: 'incl', commit, output: { file: 'incl.csv', format: 'csv', rows: 7 } });
    expect(Object.keys(lock.tables)).toEqual(['churn_labels', 'user_stats']);
    expect(lock.definitions.sha256).toMatch(/^[0-9a-f]{64}$/);
    // canonical JSON: sorted keys, 2-space indent, trailing newline
    expect(readText(path.join(out, 'incl.lock.json'))).toMatch(/^\{\n {2}"commit": /);
    expect(readText(path.join(out, 'incl.lock.json')).endsWith('}\n')).toBe(true);
    expectGitClean(dir);
  });

  it('writes byte-identical output across builds, and the format is picked by --format or the extension', () => {
    const { dir, out } = setup();
    for (const fmt of ['arrow', 'parquet', 'csv']) {
      ok(dir, ['build', 'incl', '--format', fmt, '-o', path.join(out, `a.${fmt}.out`), '--lock', path.join(out, `a.${fmt}.lock.json`)]);
      ok(dir, ['build', 'incl', '--format', fmt, '-o', path.join(out, `b.${fmt}.out`), '--lock', path.join(out, `b.${fmt}.lock.json`)]);
      const a = fs.readFileSync(path.join(out, `a.${fmt}.out`));
      expect(a.equals(fs.readFileSync(path.join(out, `b.${fmt}.out`))), fmt).toBe(true);
      const la = JSON.parse(readText(path.join(out, `a.${fmt}.lock.json`)));
      expect(la.output.format).toBe(fmt);
      expect(la.output.sha256).toBe(JSON.parse(readText(path.join(out, `b.${fmt}.lock.json`))).output.sha256);
    }
    // default file names: <name>.arrow and <name>.lock.json in the current directory
    expect(ok(dir, ['build', 'incl'])).toMatch(/^Built incl at [0-9a-f]{7}: 7 rows -> incl\.arrow \(arrow, sha256 [0-9a-f]{12}\)\nLock: incl\.lock\.json\n$/);
    expect(fs.readFileSync(path.join(dir, 'incl.arrow')).equals(fs.readFileSync(path.join(out, 'a.arrow.out')))).toBe(true);
    expect(JSON.parse(readText(path.join(dir, 'incl.lock.json'))).output.file).toBe('incl.arrow');
    fs.rmSync(path.join(dir, 'incl.arrow'));
    fs.rmSync(path.join(dir, 'incl.lock.json'));
    fails(tempDir(), ['build', 'incl'], /not an fv repository/);
    ok(dir, ['build', 'incl', '-o', path.join(out, 'x.parquet')]);
    expect(JSON.parse(readText(path.join(out, 'incl.lock.json'))).output.format).toBe('parquet');
    expect(fs.readFileSync(path.join(out, 'x.parquet')).equals(fs.readFileSync(path.join(out, 'a.parquet.out')))).toBe(true);
    ok(dir, ['build', 'incl', '-o', path.join(out, 'x.arrow')]);
    expect(fs.readFileSync(path.join(out, 'x.arrow')).equals(fs.readFileSync(path.join(out, 'a.arrow.out')))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'x.arrow')).subarray(0, 6).toString()).toBe('ARROW1');
    fails(dir, ['build', 'incl', '--format', 'xlsx', '-o', path.join(out, 'y')], /unknown build format "xlsx"/);
    fails(dir, ['build', 'nope', '-o', path.join(out, 'y.arrow')], /no training set "nope"/);
    expectGitClean(dir);
  });

  it('builds from HEAD (or --at), never from uncommitted changes, and warns about them', () => {
    const { dir, out } = setup();
    ok(dir, ['build', 'incl', '-o', path.join(out, 'one.csv')]);
    ok(dir, ['import', dataFile('stats2.csv', STATS.replace('1,2024-02-20,2024-02-20,30,4', '1,2024-02-20,2024-02-20,31,4')), '--table', 'user_stats']);
    const r = fv(dir, ['build', 'incl', '-o', path.join(out, 'two.csv')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: building from the last commit [0-9a-f]{7}; uncommitted changes are not included \(table user_stats\)/);
    expect(readText(path.join(out, 'two.csv'))).toBe(readText(path.join(out, 'one.csv')));
    ok(dir, ['commit', '-m', 'spend 31']);
    ok(dir, ['build', 'incl', '-o', path.join(out, 'three.csv')]);
    expect(readText(path.join(out, 'three.csv'))).toContain('1,2024-03-01,false,31,4');
    ok(dir, ['build', 'incl', '--at', 'HEAD~1', '-o', path.join(out, 'four.csv')]);
    expect(readText(path.join(out, 'four.csv'))).toBe(readText(path.join(out, 'one.csv')));
  });
});

describe('fv repro', () => {
  it('passes --check, fails with exit 1 naming what differs after tampering, and rebuilds the old commit from a later one', () => {
    const { dir, out, commit } = setup();
    const lockPath = path.join(out, 'incl.lock.json');
    ok(dir, ['build', 'incl', '-o', path.join(out, 'incl.arrow')]);
    const original = readText(lockPath);
    const bytes = fs.readFileSync(path.join(out, 'incl.arrow'));
    expect(ok(dir, ['repro', lockPath, '--check'])).toMatch(/^ok: incl rebuilds from [0-9a-f]{7} to the recorded bytes/);

    // later commits (data and definitions) do not matter
    writeFile(dir, 'features.json', defs({ other: { spine: 'churn', features: ['visits_7d'], as_of: { inclusive: true, created_cutoff: false } } }));
    ok(dir, ['import', dataFile('stats3.csv', STATS.replace('30,4', '300,40')), '--table', 'user_stats']);
    ok(dir, ['commit', '-m', 'later']);
    ok(dir, ['import', dataFile('stats4.csv', STATS.replace('30,4', '7,7')), '--table', 'user_stats']); // and uncommitted work
    expect(fv(dir, ['repro', lockPath, '--check']).code).toBe(0);
    const again = path.join(out, 'again.arrow');
    ok(dir, ['repro', lockPath, '-o', again]);
    expect(fs.readFileSync(again).equals(bytes)).toBe(true);
    // without -o or --check: rewrites the recorded file beside the lock
    fs.rmSync(path.join(out, 'incl.arrow'));
    expect(ok(dir, ['repro', lockPath])).toContain('Wrote');
    expect(fs.readFileSync(path.join(out, 'incl.arrow')).equals(bytes)).toBe(true);
    // the HEAD build differs from the locked one
    ok(dir, ['commit', '-m', 'more']);
    ok(dir, ['build', 'incl', '-o', path.join(out, 'new.arrow')]);
    expect(fs.readFileSync(path.join(out, 'new.arrow')).equals(bytes)).toBe(false);

    // tampering: the output hash
    const lock = JSON.parse(original);
    const tampered = (f: (l: typeof lock) => void): string => {
      const l = JSON.parse(original);
      f(l);
      return writeFile(out, 'tampered.lock.json', JSON.stringify(l));
    };
    let r = fv(dir, ['repro', tampered((l) => (l.output.sha256 = '0'.repeat(64))), '--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/MISMATCH/);
    expect(r.stdout).toMatch(/build: the rebuilt arrow output has sha256 [0-9a-f]{64} \(7 rows\), the lock records 0{64}/);
    expect(r.stderr).toBe('');
    r = fv(dir, ['repro', tampered((l) => (l.tables.user_stats.content_hash = 'f'.repeat(64))), '--check', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.differences).toEqual([{ what: 'table', table: 'user_stats', recorded: 'f'.repeat(64), actual: lock.tables.user_stats.content_hash, message: expect.stringMatching(/^table user_stats: content hash/) }]);
    r = fv(dir, ['repro', tampered((l) => (l.definitions.sha256 = 'a'.repeat(64))), '--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/definitions: features\.json at [0-9a-f]{7} has sha256 [0-9a-f]{64}, the lock records a{64}/);
    expect(commit).toBe(lock.commit);
    expectGitClean(dir);
  });

  it('rejects corrupt or hostile lock files with exit 2', () => {
    const { dir, out } = setup();
    const lockPath = path.join(out, 'incl.lock.json');
    ok(dir, ['build', 'incl', '-o', path.join(out, 'incl.arrow')]);
    const original = readText(lockPath);
    const bad = (name: string, text: string): string => writeFile(out, name, text);
    const mutate = (f: (l: Record<string, any>) => void): string => {
      const l = JSON.parse(original);
      f(l);
      return bad('m.lock.json', JSON.stringify(l));
    };
    fails(dir, ['repro', bad('a.json', '{"fv_format": 1,'), '--check'], /a\.json: not valid JSON/);
    fails(dir, ['repro', bad('b.json', '[]'), '--check'], /expected a JSON object/);
    fails(dir, ['repro', path.join(out, 'missing.json'), '--check'], /no such file/);
    fails(dir, ['repro', mutate((l) => (l.commit = '1'.repeat(40))), '--check'], /commit 1{40} is not in this repository/);
    fails(dir, ['repro', mutate((l) => (l.commit = 'HEAD')), '--check'], /commit: expected a full commit id/);
    fails(dir, ['repro', mutate((l) => (l.output.rows = '7')), '--check'], /output\.rows: expected a non-negative integer/);
    fails(dir, ['repro', mutate((l) => (l.output.format = 'exe')), '--check'], /output\.format/);
    fails(dir, ['repro', mutate((l) => (l.fv_format = 99)), '--check'], /fv_format: expected 1, got 99/);
    fails(dir, ['repro', mutate((l) => (l.tables = { '../../etc': { content_hash: 'x' } })), '--check'], /invalid table name/);
    fails(dir, ['repro', mutate((l) => (l.training_set = 'nope')), '--check'], /no training set "nope"/);
    for (const file of ['../escape.arrow', '/etc/passwd', 'a/b.arrow', '..', 'x\\y']) {
      fails(dir, ['repro', mutate((l) => (l.output.file = file))], /output\.file .* is not a plain file name/);
    }
    expect(fs.existsSync(path.join(out, '..', 'escape.arrow'))).toBe(false);
    expectGitClean(dir);
  });
});

describe('pointInTimeJoin (pure)', () => {
  const ts = (unit: 'ms' | 'us'): { kind: 'timestamp'; unit: 'ms' | 'us'; tz: string } => ({ kind: 'timestamp', unit, tz: 'UTC' });
  it('compares timestamps of different units in a common unit and int32 keys with int64 keys', () => {
    const spine: TableData = {
      fields: [{ name: 'k', type: { kind: 'int64' } }, { name: 't', type: ts('ms') }],
      columns: [[1n, 1n, 2n, null], [1000n, 999n, 5000n, 1000n]],
      rowCount: 4,
    };
    const src: TableData = {
      fields: [{ name: 'k', type: { kind: 'int32' } }, { name: 'et', type: ts('us') }, { name: 'v', type: { kind: 'utf8' } }],
      columns: [[1, 1, 2], [1000000n, 999001n, 4000000n], ['at', 'before', 'two']],
      rowCount: 3,
    };
    const out = pointInTimeJoin({
      spine, spineName: 's', spineKeys: ['k'], spineTime: 't',
      sources: [{ name: 'src', data: src, keys: ['k'], eventTime: 'et', createdTime: null }],
      columns: [{ name: 'f', source: 0, column: 'v', ttlNanos: null }, { name: 'g', source: 0, column: 'v', ttlNanos: 500000000n }],
      asOf: { inclusive: true, created_cutoff: false },
    });
    expect(out.fields.map((f) => f.name)).toEqual(['k', 't', 'f', 'g']);
    expect(out.columns[2]).toEqual(['at', null, 'two', null]);
    // 999001us is 1us after 999ms: not visible at 999ms; TTL 0.5s: 4s vs 5s -> null
    expect(out.columns[3]).toEqual(['at', null, null, null]);
  });
});

describe('pointInTimeJoin agrees with a brute-force reading of the as-of rule', () => {
  it('on 400 random small cases (nulls, ties, TTL, inclusive/exclusive, created cutoff, fast and slow comparison paths)', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
    let bad = 0;
    for (let iter = 0; iter < 400; iter++) {
      const slow = iter % 2 === 1;
      const K = (x: number): string | bigint => (slow ? 'u' + x : BigInt(x));
      const OFF = slow ? 1n << 60n : 0n;
      const N = 1 + Math.floor(rnd() * 40), S = 1 + Math.floor(rnd() * 20), U = 1 + Math.floor(rnd() * 4), TT = 10;
      const k: (string | bigint | null)[] = [], t: (bigint | null)[] = [], c: (bigint | null)[] = [], v: bigint[] = [];
      for (let i = 0; i < N; i++) {
        k.push(rnd() < 0.05 ? null : K(Math.floor(rnd() * U)));
        t.push(rnd() < 0.05 ? null : OFF + BigInt(Math.floor(rnd() * TT)));
        c.push(rnd() < 0.05 ? null : OFF + BigInt(Math.floor(rnd() * TT)));
        v.push(BigInt(Math.floor(rnd() * 3)));
      }
      const sk: (string | bigint)[] = [], st: bigint[] = [];
      for (let i = 0; i < S; i++) {
        sk.push(K(Math.floor(rnd() * U)));
        st.push(OFF + BigInt(Math.floor(rnd() * TT)));
      }
      const inclusive = rnd() < 0.5, cutoff = rnd() < 0.5, ttl = rnd() < 0.5 ? BigInt(Math.floor(rnd() * 4)) : null;
      const kt = slow ? ({ kind: 'utf8' } as const) : ({ kind: 'int64' } as const);
      const tt = { kind: 'timestamp', unit: slow ? 'ns' : 'ms', tz: null } as const;
      const ttlNanos = ttl === null ? null : slow ? ttl : ttl * 1000000n;
      const out = pointInTimeJoin({
        spine: { fields: [{ name: 'k', type: kt }, { name: 'T', type: tt }], columns: [sk, st], rowCount: S }, spineName: 's', spineKeys: ['k'], spineTime: 'T',
        sources: [{ name: 'x', data: { fields: [{ name: 'k', type: kt }, { name: 't', type: tt }, { name: 'c', type: tt }, { name: 'v', type: { kind: 'int64' } }], columns: [k, t, c, v], rowCount: N }, keys: ['k'], eventTime: 't', createdTime: 'c' }],
        columns: [{ name: 'f', source: 0, column: 'v', ttlNanos }, { name: 'tt', source: 0, column: 't', ttlNanos }, { name: 'cc', source: 0, column: 'c', ttlNanos }],
        asOf: { inclusive, created_cutoff: cutoff },
      });
      for (let r = 0; r < S; r++) {
        let best = -1;
        for (let i = 0; i < N; i++) {
          const ti = t[i]!, ci = c[i]!;
          if (k[i] === null || ti === null || k[i] !== sk[r]) continue;
          if (inclusive ? ti > st[r]! : ti >= st[r]!) continue;
          if (cutoff && (ci === null || ci > st[r]!)) continue;
          if (best < 0) {
            best = i;
            continue;
          }
          const cb = c[best]!;
          const d = cmp(ti, t[best]!) || (ci === cb ? 0 : ci === null ? -1 : cb === null ? 1 : cmp(ci, cb)) || cmp(v[i]!, v[best]!);
          if (d > 0) best = i;
        }
        const exp = best >= 0 && !(ttl !== null && t[best]! < st[r]! - ttl) ? [v[best], t[best], c[best]] : [null, null, null];
        const got = [out.columns[2]![r], out.columns[3]![r], out.columns[4]![r]];
        if (String(exp) !== String(got)) bad++;
      }
    }
    expect(bad).toBe(0);
  });
});

describe('library API', () => {
  it('repo.buildTrainingSet returns an Arrow table and the lock; repo.repro checks a lock file', async () => {
    const { openRepository } = await import('../../src/api/repository.js');
    const { dir, out, commit } = setup();
    ok(dir, ['build', 'incl', '-o', path.join(out, 'incl.arrow')]);
    const repo = await openRepository(dir);
    const r = await repo.buildTrainingSet('incl', { at: 'HEAD' });
    expect(r.table.numRows).toBe(7);
    expect(r.table.schema.fields.map((f) => f.name)).toEqual(['user_id', 'label_ts', 'churned', 'spend_7d', 'visits_7d']);
    expect(r.table.getChild('visits_7d')!.toArray().length).toBe(7);
    expect(r.lock).toEqual(JSON.parse(readText(path.join(out, 'incl.lock.json'))));
    expect(r.lock.commit).toBe(commit);
    expect(Buffer.from(r.bytes).equals(fs.readFileSync(path.join(out, 'incl.arrow')))).toBe(true);
    const p = await repo.repro(path.join(out, 'incl.lock.json'), { check: true });
    expect(p).toMatchObject({ ok: true, differences: [], written: null, rebuilt: { rows: 7, sha256: r.lock.output.sha256 } });
  });
});

describe('the build helper thread', () => {
  it('changes no byte: bin/fv (helper thread), FV_BUILD_THREAD=0 and the library in-thread write the same files', async () => {
    const { openRepository } = await import('../../src/api/repository.js');
    const { dir, out } = setup();
    const repo = await openRepository(dir);
    for (const format of ['parquet', 'arrow', 'csv'] as const) {
      const threaded = path.join(out, `t.${format}`);
      const inThread = path.join(out, `n.${format}`);
      ok(dir, ['build', 'incl', '-o', threaded, '--lock', path.join(out, `t.${format}.lock.json`)]);
      ok(dir, ['build', 'incl', '-o', inThread, '--lock', path.join(out, `n.${format}.lock.json`)], { env: { FV_BUILD_THREAD: '0' } });
      const lib = await repo.buildTrainingSet('incl', { format });
      expect(fs.readFileSync(threaded).equals(fs.readFileSync(inThread)), format).toBe(true);
      expect(fs.readFileSync(threaded).equals(Buffer.from(lib.bytes)), format).toBe(true);
    }
  });
});
