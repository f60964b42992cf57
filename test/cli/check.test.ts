/** `fv check`: declared data checks against the working state or a commit; exit 1 on an error-severity failure. */
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, fv, git, newRepo, ok, treeState, writeFile } from '../helpers.js';

const defs = (checks: object[]): string =>
  JSON.stringify({
    entities: { user: { keys: ['user_id'] } },
    sources: { users: { table: 'users', entities: ['user'], event_time: 'ts' } },
    features: { spend: { source: 'users', column: 'spend', ttl: 'P30D' } },
    checks: { users: checks },
  }, null, 2) + '\n';

const CHECKS = [
  { id: 'spend_nonneg', type: 'between', column: 'spend', min: 0, severity: 'error' },
  { id: 'ids_unique', type: 'unique', column: 'user_id', severity: 'error' },
  { id: 'country_known', type: 'in_set', column: 'country', values: ['US', 'FR'], severity: 'warn' },
  { id: 'enough_rows', type: 'row_count', min: 3, severity: 'error' },
  { id: 'fresh', type: 'freshness', column: 'ts', max_age: 'P2D', severity: 'warn' },
];

const ENV = { env: { FV_NOW: '2024-01-05T06:00:00Z' } };

describe('check', () => {
  it('reports exact results as JSON, exits 1 only for error-severity failures, and checks a rev with its own definitions', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('c1.csv', 'user_id,spend,country,ts\n1,10,US,2024-01-01T00:00:00Z\n2,20,FR,2024-01-02T00:00:00Z\n3,5,DE,2024-01-03T00:00:00Z\n'), '--table', 'users', '--key', 'user_id']);
    writeFile(dir, 'features.json', defs(CHECKS));
    const good = fv(dir, ['check', '--json'], ENV);
    expect(good.code, good.stderr).toBe(0);
    const j = JSON.parse(good.stdout);
    expect(j.ok).toBe(true);
    expect(j.results.map((r: { check: string; ok: boolean }) => [r.check, r.ok])).toEqual([
      ['spend_nonneg', true], ['ids_unique', true], ['country_known', false], ['enough_rows', true], ['fresh', false],
    ]);
    expect(j.results[2]).toEqual({
      table: 'users', check: 'country_known', type: 'in_set', severity: 'warn', ok: false,
      observed: { values: [{ value: 'DE', count: 1 }] }, unexpected: 1, rows: 3, expected: { in: ['US', 'FR'] },
      examples: [{ key: [3], index: 2, row: { user_id: 3, spend: 5, country: 'DE', ts: '2024-01-03T00:00:00Z' } }],
    });
    expect(j.results[4]).toMatchObject({ observed: { latest: '2024-01-03T00:00:00Z', age: 'P2DT6H', age_seconds: 194400 }, ok: false });
    // warnings are printed, but exit 0
    const text = fv(dir, ['check'], ENV);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('WARN users/country_known (in_set country) [warn]');
    expect(text.stdout).toContain('failing rows: 1 of 3 (33.3%)');
    expect(text.stdout).toContain('e.g. key [3]: country="DE"  {"country":"DE","spend":5,"ts":"2024-01-03T00:00:00Z","user_id":3}');
    ok(dir, ['commit', '-m', 'good data']);

    ok(dir, ['import', dataFile('c2.csv', 'user_id,spend,country,ts\n1,10,US,2024-01-04T00:00:00Z\n2,-7,FR,2024-01-04T00:00:00Z\n'), '--table', 'users']);
    const bad = fv(dir, ['check', '--json'], ENV);
    expect(bad.code).toBe(1);
    const b = JSON.parse(bad.stdout);
    expect(b.ok).toBe(false);
    expect(b.results[0]).toEqual({
      table: 'users', check: 'spend_nonneg', type: 'between', severity: 'error', ok: false,
      observed: { min: -7, max: 10 }, unexpected: 1, rows: 2, expected: { min: 0 },
      examples: [{ key: [2], index: 1, row: { user_id: 2, spend: -7, country: 'FR', ts: '2024-01-04T00:00:00Z' } }],
    });
    expect(b.results[3]).toMatchObject({ check: 'enough_rows', ok: false, observed: { rows: 2 }, expected: { min: 3 }, unexpected: 0 });
    const human = fv(dir, ['check'], ENV);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('FAIL users/spend_nonneg (between spend)\n       observed: min -7, max 10\n       expected: min 0\n       failing rows: 1 of 2 (50.0%)\n       e.g. key [2]: spend=-7  {');
    expect(human.stdout).toMatch(/2 failed, 0 warnings, 3 passed\n$/);
    // the committed version still passes; --table narrows
    expect(fv(dir, ['check', '--at', 'HEAD'], ENV).code).toBe(0);
    expect(JSON.parse(ok(dir, ['check', '--at', 'main', '--json'], ENV)).ok).toBe(true);
    expect(JSON.parse(fv(dir, ['check', '--table', 'other', '--json'], ENV).stdout)).toEqual({ ok: true, results: [] });
    ok(dir, ['checkout', '--force', 'HEAD']);
    expectGitClean(dir);
  });

  it('compares with the parent commit for row_count_change', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('r1.csv', 'id\n1\n2\n3\n4\n'), '--table', 'users', '--key', 'id']);
    writeFile(dir, 'features.json', JSON.stringify({ checks: { users: [{ id: 'stable', type: 'row_count_change', max_ratio: 0.5, severity: 'error' }] } }));
    expect(JSON.parse(ok(dir, ['check', '--json'])).results[0]).toMatchObject({ ok: true, note: 'no reference table to compare with' });
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('r2.csv', 'id\n1\n'), '--table', 'users']);
    expect(JSON.parse(fv(dir, ['check', '--json']).stdout).results[0]).toMatchObject({ ok: false, observed: { rows: 1, reference_rows: 4, ratio: 0.75 } });
    // the commit gate refuses this commit; --no-verify records it anyway
    expect(fv(dir, ['commit', '-m', 'two']).code).toBe(1);
    ok(dir, ['commit', '-m', 'two', '--no-verify']);
    // at HEAD the reference is HEAD's parent
    expect(fv(dir, ['check', '--at', 'HEAD']).code).toBe(1);
    expect(fv(dir, ['check', '--at', 'HEAD~1']).code).toBe(0);
  });

  it('rejects bad definitions with exit 2 and the JSON path, and bad usage', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('b.csv', 'user_id,spend,country,ts\n1,10,US,2024-01-01T00:00:00Z\n'), '--table', 'users', '--key', 'user_id']);
    writeFile(dir, 'features.json', defs([{ id: 'x', type: 'betwen', column: 'spend', min: 0, severity: 'error' }]));
    fails(dir, ['check'], /^fv: error: features\.json: checks\.users\[0\]\.type: unknown check type "betwen"$/);
    writeFile(dir, 'features.json', defs([]).replace('"column": "spend"', '"column": "spent"'));
    fails(dir, ['check', '--json'], /features\.json: features\.spend\.column: no column "spent" in table users/);
    writeFile(dir, 'features.json', '{"checks": ');
    fails(dir, ['check'], /features\.json: not valid JSON/);
    fails(dir, ['check', '--at', 'nope'], /nope/);
  });

  it('refuses every kind of bad check definition with exit 2, the file and the JSON path, and changes nothing', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('bd1.csv', 'user_id,spend,country,ts\n1,10,US,2024-01-01T00:00:00Z\n2,20,FR,2024-01-02T00:00:00Z\n'), '--table', 'users', '--key', 'user_id']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('bd2.csv', 'user_id,spend,country,ts\n1,11,US,2024-01-01T00:00:00Z\n'), '--table', 'users']);
    const good = { id: 'fine', type: 'row_count', min: 1, severity: 'error' };
    const cases: Array<[string, object, RegExp]> = [
      ['unknown type', { id: 'x', type: 'not_nul', column: 'spend', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.type: unknown check type "not_nul"$/],
      ['missing parameter', { id: 'x', type: 'regex', column: 'country', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.pattern: is required for a regex check$/],
      ['missing column parameter', { id: 'x', type: 'not_null', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.column: is required for a not_null check$/],
      ['wrong-typed parameter', { id: 'x', type: 'in_set', column: 'country', values: 'US', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.values: expected an array of values, got string "US"$/],
      ['wrong-typed number', { id: 'x', type: 'drift', column: 'spend', bins: 'ten', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.bins: expected a number, got string "ten"$/],
      ['bound not of the column type', { id: 'x', type: 'between', column: 'spend', min: 'zero', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.min: min "zero" is not a valid int64 value$/],
      ['unknown column', { id: 'x', type: 'not_null', column: 'spent', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.column: no column "spent" in table users$/],
      ['unknown column in a compound key', { id: 'x', type: 'unique', columns: ['user_id', 'day'], severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.columns\[1\]: no column "day" in table users$/],
      ['column of the wrong kind', { id: 'x', type: 'freshness', column: 'country', max_age: 'P1D', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.column: freshness needs a timestamp or date column; country is utf8$/],
      ['ks on text', { id: 'x', type: 'drift', column: 'country', method: 'ks', severity: 'warn' }, /^fv: error: features\.json: checks\.users\[1\]\.method: drift with method "ks" needs a numeric column/],
      ['regex that does not compile', { id: 'x', type: 'regex', column: 'country', pattern: '([A-Z]', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.pattern: invalid regular expression: .*Unterminated group/],
      ['unknown reference rev', { id: 'x', type: 'drift', column: 'spend', reference: 'v9', severity: 'error' }, /^fv: error: features\.json: checks\.users\[1\]\.reference: unknown revision "v9"$/],
      ['reference past the first commit', { id: 'x', type: 'row_count_change', max_ratio: 0.5, reference: 'HEAD~3', severity: 'warn' }, /^fv: error: features\.json: checks\.users\[1\]\.reference: revision "HEAD~3" goes past the first commit$/],
    ];
    for (const [what, def, message] of cases) {
      writeFile(dir, 'features.json', JSON.stringify({ checks: { users: [good, def] } }, null, 2) + '\n');
      const before = treeState(dir);
      const r = fails(dir, ['check', '--json'], message);
      expect(r.stdout, what).toBe('');
      // the commit gate refuses it the same way, and writes nothing
      fails(dir, ['commit', '-m', 'bad definitions'], message);
      expect(treeState(dir), what).toEqual(before);
    }
    // --at names the file as it was at that rev
    writeFile(dir, 'features.json', JSON.stringify({ checks: { users: [good, { id: 'x', type: 'not_null', column: 'spent', severity: 'error' }] } }) + '\n');
    ok(dir, ['commit', '-m', 'bad checks', '--no-verify']);
    fails(dir, ['check', '--at', 'HEAD'], /^fv: error: features\.json at HEAD: checks\.users\[1\]\.column: no column "spent" in table users$/);
    expectGitClean(dir);
  }, 300_000);

  it('prints a report a person can act on: bound, tolerance, counts, examples with keys and the failing value', () => {
    const dir = newRepo();
    const rows = Array.from({ length: 40 }, (_, i) => `${i + 1},${(i % 9) - 2},${i % 5 === 0 ? '' : 'n' + (i % 3)}`);
    ok(dir, ['import', dataFile('rep1.csv', 'id,v,s\n1,1,a\n2,2,b\n'), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'small']);
    ok(dir, ['import', dataFile('rep2.csv', ['id,v,s', ...rows].join('\n') + '\n'), '--table', 't']);
    writeFile(dir, 'features.json', JSON.stringify({ checks: { t: [
      { id: 'v_nonneg', type: 'between', column: 'v', min: 0, severity: 'error', mostly: 0.9 },
      { id: 'v_mean', type: 'stat_between', column: 'v', stat: 'mean', min: 3, severity: 'error' },
      { id: 'grew', type: 'row_count_change', max_ratio: 0.5, severity: 'warn' },
    ] } }) + '\n');
    const r = fv(dir, ['check']);
    expect(r.code).toBe(1);
    const head = git(dir, ['rev-parse', '--short=7', 'HEAD']).stdout.trim();
    // v = (i % 9) - 2 for i = 0..39: negative when i % 9 is 0 or 1, 5 times each; sum 4 * 18 - 2, mean 1.75
    expect(r.stdout).toBe([
      'FAIL t/v_nonneg (between v)',
      '       observed: min -2, max 6',
      '       expected: min 0, mostly 0.9',
      '       failing rows: 10 of 40 (25.0%); at most 4 (10.0%) allowed',
      '       e.g. key [1]: v=-2  {"id":1,"s":null,"v":-2}',
      '       e.g. key [2]: v=-1  {"id":2,"s":"n1","v":-1}',
      '       e.g. key [10]: v=-2  {"id":10,"s":"n0","v":-2}',
      '       e.g. key [11]: v=-1  {"id":11,"s":null,"v":-1}',
      '       e.g. key [19]: v=-2  {"id":19,"s":"n0","v":-2}',
      '       ... and 5 more',
      'FAIL t/v_mean (stat_between v)',
      '       observed: mean 1.75, values 40',
      '       expected: stat mean, min 3',
      'WARN t/grew (row_count_change) [warn]',
      `       observed: rows 40, reference_rows 2, ratio 19, reference ${head}`,
      '       expected: max_ratio 0.5',
      '',
      '2 failed, 1 warning, 0 passed',
      '',
    ].join('\n'));
    // JSON keeps every digit and the full commit id
    const j = JSON.parse(fv(dir, ['check', '--json']).stdout);
    // (Welford's streaming mean carries float noise, 1.7500000000000002; the text above rounds it away)
    expect(Math.abs(j.results[1].observed.mean - 1.75)).toBeLessThan(1e-12);
    expect(j.results[2].observed.reference).toBe(git(dir, ['rev-parse', 'HEAD']).stdout.trim());
    expect(j.results[0]).toMatchObject({ unexpected: 10, rows: 40, expected: { min: 0, mostly: 0.9 } });
    expect(j.results[0].examples.map((e: { key: number[] }) => e.key[0])).toEqual([1, 2, 10, 11, 19]);
  });

  it('with no features.json there is nothing to check', () => {
    const dir = newRepo();
    expect(JSON.parse(ok(dir, ['check', '--json']))).toEqual({ ok: true, results: [] });
    expect(ok(dir, ['check'])).toMatch(/No checks declared/);
  });
});
