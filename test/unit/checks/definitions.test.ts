/** features.json validation: shapes, references and the JSON path in every message. */
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { parseDefinitions } from '../../../src/features/definitions.js';
import { parseDuration } from '../../../src/features/duration.js';

const base = {
  entities: { user: { keys: ['user_id'] } },
  sources: {
    user_stats: { table: 'user_stats', entities: ['user'], event_time: 'ts', created_time: 'created_ts' },
    churn: { table: 'churn_labels', entities: ['user'], event_time: 'label_ts' },
  },
  features: { spend_7d: { source: 'user_stats', column: 'spend_7d', ttl: 'P30D' }, visits: { source: 'user_stats', column: 'visits' } },
  labels: { churned: { source: 'churn', column: 'churned' } },
  training_sets: { churn_v1: { spine: 'churn', label: 'churned', features: ['spend_7d', 'visits'], as_of: { inclusive: true, created_cutoff: false } } },
  checks: { user_stats: [{ id: 'spend_nonneg', type: 'between', column: 'spend_7d', min: 0, severity: 'error' }] },
};

function withPatch(patch: (d: any) => void): string {
  const d = JSON.parse(JSON.stringify(base));
  patch(d);
  return JSON.stringify(d);
}

function message(text: string, tables?: Map<string, string[]>): string {
  try {
    parseDefinitions(text, { tables });
  } catch (e) {
    expect(e).toBeInstanceOf(FvError);
    expect((e as FvError).code).toBe('BAD_DEFINITIONS');
    return (e as FvError).message;
  }
  throw new Error('expected BAD_DEFINITIONS');
}

describe('parseDefinitions', () => {
  it('accepts the SPEC example and returns typed maps', () => {
    const d = parseDefinitions(JSON.stringify(base));
    expect(d.entities.get('user')).toEqual({ name: 'user', keys: ['user_id'] });
    expect(d.features.get('spend_7d')!.ttl).toEqual({ text: 'P30D', nanos: 30n * 86400n * 1000000000n });
    expect(d.training_sets.get('churn_v1')).toEqual({ name: 'churn_v1', spine: 'churn', label: 'churned', features: ['spend_7d', 'visits'], as_of: { inclusive: true, created_cutoff: false } });
    expect(d.checks.get('user_stats')![0]).toMatchObject({ table: 'user_stats', id: 'spend_nonneg', type: 'between', min: 0, severity: 'error', mostly: 1, path: 'checks.user_stats[0]' });
    expect(parseDefinitions('{}').checks.size).toBe(0);
  });

  it('names the JSON path of a bad reference', () => {
    expect(message(withPatch((d) => d.training_sets.churn_v1.features.push('user.age')))).toBe('features.json: training_sets.churn_v1.features[2]: unknown feature "user.age"');
    expect(message(withPatch((d) => (d.features.spend_7d.source = 'user_stat')))).toBe('features.json: features.spend_7d.source: unknown source "user_stat"');
    expect(message(withPatch((d) => (d.sources.churn.entities = ['item'])))).toBe('features.json: sources.churn.entities[0]: unknown entity "item"');
    expect(message(withPatch((d) => (d.training_sets.churn_v1.label = 'nope')))).toBe('features.json: training_sets.churn_v1.label: unknown label "nope"');
    expect(message(withPatch((d) => (d.training_sets.churn_v1.spine = 'x')))).toBe('features.json: training_sets.churn_v1.spine: unknown source "x"');
  });

  it('requires as_of written out in full', () => {
    expect(message(withPatch((d) => delete d.training_sets.churn_v1.as_of))).toMatch(/^features\.json: training_sets\.churn_v1\.as_of: is required/);
    expect(message(withPatch((d) => delete d.training_sets.churn_v1.as_of.created_cutoff))).toBe('features.json: training_sets.churn_v1.as_of.created_cutoff: is required (true or false)');
    expect(message(withPatch((d) => (d.training_sets.churn_v1.as_of.inclusive = 'yes')))).toBe('features.json: training_sets.churn_v1.as_of.inclusive: expected true or false, got string "yes"');
  });

  it('checks columns against the tables that exist', () => {
    const tables = new Map([['user_stats', ['user_id', 'ts', 'created_ts', 'spend_7d', 'visits']]]);
    expect(() => parseDefinitions(JSON.stringify(base), { tables })).not.toThrow();
    expect(message(withPatch((d) => (d.features.visits.column = 'visit')), tables)).toBe('features.json: features.visits.column: no column "visit" in table user_stats');
    expect(message(withPatch((d) => (d.sources.user_stats.event_time = 'time')), tables)).toBe('features.json: sources.user_stats.event_time: no column "time" in table user_stats');
  });

  it('validates durations', () => {
    expect(message(withPatch((d) => (d.features.spend_7d.ttl = '30 days')))).toMatch(/^features\.json: features\.spend_7d\.ttl: bad duration "30 days"/);
    expect(message(withPatch((d) => (d.features.spend_7d.ttl = 'P1M')))).toMatch(/years and months/);
    expect(parseDuration('PT1H30M')).toEqual({ text: 'PT1H30M', nanos: 5400n * 1000000000n });
    expect(parseDuration('P1W')).toMatchObject({ nanos: 604800n * 1000000000n });
    expect(parseDuration('PT0.5S')).toMatchObject({ nanos: 500000000n });
    expect('error' in parseDuration('P')).toBe(true);
    expect('error' in parseDuration('PT')).toBe(true);
  });

  it('validates every check type and its parameters', () => {
    const chk = (c: object): string => message(withPatch((d) => (d.checks.user_stats = [c])));
    expect(chk({ id: 'a', type: 'betwen', column: 'x', min: 0, severity: 'error' })).toBe('features.json: checks.user_stats[0].type: unknown check type "betwen"');
    expect(chk({ id: 'a', type: 'between', column: 'x', min: 0, severity: 'fatal' })).toBe('features.json: checks.user_stats[0].severity: expected "error" or "warn", got string "fatal"');
    expect(chk({ id: 'a', type: 'between', column: 'x', min: 0, severity: 'error', mostly: 1.5 })).toBe('features.json: checks.user_stats[0].mostly: must be <= 1, got 1.5');
    expect(chk({ id: 'a', type: 'between', column: 'x', severity: 'error' })).toBe('features.json: checks.user_stats[0]: a between check needs "min", "max" or both');
    expect(chk({ id: 'a', type: 'between', column: 'x', min: 0, mni: 1, severity: 'error' })).toBe('features.json: checks.user_stats[0].mni: unknown field "mni"');
    expect(chk({ id: 'a', type: 'not_null', severity: 'error' })).toBe('features.json: checks.user_stats[0].column: is required for a not_null check');
    expect(chk({ id: 'a', type: 'unique', column: 'x', columns: ['y'], severity: 'error' })).toMatch(/needs either "column" or "columns"/);
    expect(chk({ id: 'a', type: 'in_set', column: 'x', values: [1, {}], severity: 'warn' })).toBe('features.json: checks.user_stats[0].values[1]: expected a string, number, boolean or null, got an object');
    expect(chk({ id: 'a', type: 'regex', column: 'x', pattern: '(', severity: 'warn' })).toMatch(/^features\.json: checks\.user_stats\[0\]\.pattern: invalid regular expression/);
    expect(chk({ id: 'a', type: 'length_between', column: 'x', min: 1.5, severity: 'warn' })).toBe('features.json: checks.user_stats[0].min: expected an integer, got 1.5');
    expect(chk({ id: 'a', type: 'column_type', column: 'x', expected: 'int65', severity: 'warn' })).toBe('features.json: checks.user_stats[0].expected: unknown type "int65"');
    expect(chk({ id: 'a', type: 'schema', columns: ['a', 'a'], severity: 'warn' })).toBe('features.json: checks.user_stats[0].columns[1]: "a" is listed twice');
    expect(chk({ id: 'a', type: 'row_count', min: -1, severity: 'warn' })).toBe('features.json: checks.user_stats[0].min: must be >= 0, got -1');
    expect(chk({ id: 'a', type: 'row_count', min: 1, severity: 'warn', mostly: 0.5 })).toMatch(/mostly: a row_count check judges the whole table/);
    expect(chk({ id: 'a', type: 'row_count_change', severity: 'warn' })).toBe('features.json: checks.user_stats[0].max_ratio: is required for a row_count_change check');
    expect(chk({ id: 'a', type: 'stat_between', column: 'x', stat: 'quantile', min: 0, severity: 'warn' })).toMatch(/\.q: is required when stat is "quantile"/);
    expect(chk({ id: 'a', type: 'stat_between', column: 'x', stat: 'median', min: 0, severity: 'warn' })).toMatch(/\.stat: expected one of mean, stdev, min, max, quantile/);
    expect(chk({ id: 'a', type: 'freshness', column: 'x', max_age: '1d', severity: 'warn' })).toMatch(/^features\.json: checks\.user_stats\[0\]\.max_age: bad duration "1d"/);
    expect(chk({ id: 'a', type: 'missing_percent', column: 'x', max: 101, severity: 'warn' })).toBe('features.json: checks.user_stats[0].max: must be <= 100, got 101');
    expect(chk({ id: 'a', type: 'drift', column: 'x', method: 'kl', severity: 'warn' })).toBe('features.json: checks.user_stats[0].method: expected "psi", "ks" or "chi2", got string "kl"');
    expect(chk({ id: 'a', type: 'drift', column: 'x', method: 'chi2', severity: 'warn' })).toBe('features.json: checks.user_stats[0].threshold: is required for method "chi2" (the largest chi-square statistic allowed)');
    expect(message(withPatch((d) => d.checks.user_stats.push(d.checks.user_stats[0])))).toBe('features.json: checks.user_stats[1].id: duplicate check id "spend_nonneg" for table user_stats');
  });

  it('treats hostile input as data', () => {
    const proto = '{"entities": {"__proto__": {"keys": ["k"]}, "constructor": {"keys": ["c"]}}, "sources": {"s": {"table": "t", "entities": ["__proto__"], "event_time": "ts"}}}';
    const d = parseDefinitions(proto);
    expect([...d.entities.keys()]).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).keys).toBeUndefined();
    expect(message('{"__proto__": {"x": 1}}')).toBe('features.json: __proto__: unknown field "__proto__"');
    expect(message('{"features": {"f": {"source": "toString", "column": "c"}}}')).toBe('features.json: features.f.source: unknown source "toString"');
    expect(message('['.repeat(200000) + ']'.repeat(200000))).toMatch(/^features\.json: (not valid JSON|expected an object)/);
    expect(message('{"checks": {"t": [' + Array(100000).fill('{"id":"a","type":"row_count","min":1,"severity":"warn"}').join(',') + ']}}')).toBe('features.json: checks.t[1].id: duplicate check id "a" for table t');
    expect(message('{"entities": ')).toMatch(/^features\.json: not valid JSON/);
    expect(message('{"entities": {"a b": {"keys": ["k"]}}}')).toBe('features.json: entities["a b"]: invalid name "a b"');
  });
});
