/** A feature's optional declared `type`, checked against its column where the table's types are known. */
import { describe, expect, it } from 'vitest';
import { parseDefinitions } from '../../src/features/definitions.js';

const defs = (type: string): string => JSON.stringify({
  entities: { user: { keys: ['user_id'] } },
  sources: { stats: { table: 'stats', entities: ['user'], event_time: 'ts' } },
  features: { spend: { source: 'stats', column: 'spend', type } },
});
const tables = new Map([['stats', ['user_id', 'ts', 'spend']]]);
const types = (spend: string): Map<string, Map<string, string>> => new Map([['stats', new Map([['user_id', 'int64'], ['ts', 'timestamp[s, UTC]'], ['spend', spend]])]]);

function message(text: string, spendType?: string): string {
  try {
    parseDefinitions(text, { tables, types: spendType === undefined ? undefined : types(spendType) });
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('declared feature types', () => {
  it('accepts the exact type and its aliases, stored in canonical spelling', () => {
    expect(parseDefinitions(defs('float64'), { tables, types: types('float64') }).features.get('spend')!.type).toBe('float64');
    expect(parseDefinitions(defs('double'), { tables, types: types('float64') }).features.get('spend')!.type).toBe('float64');
    expect(parseDefinitions(defs('timestamp[ms, UTC]'), { tables, types: types('timestamp[ms, UTC]') }).features.get('spend')!.type).toBe('timestamp[ms, UTC]');
  });

  it('refuses a mismatch, naming the JSON path, the column and both types', () => {
    expect(message(defs('int64'), 'float64')).toBe('features.json: features.spend.type: declared int64, but column "spend" of table stats is float64');
    // the timezone is part of the type
    expect(message(defs('timestamp[s]'), 'timestamp[s, UTC]')).toBe('features.json: features.spend.type: declared timestamp[s], but column "spend" of table stats is timestamp[s, UTC]');
  });

  it('refuses an unknown type name, and checks nothing against a table whose types are not known', () => {
    expect(message(defs('money'), 'float64')).toBe('features.json: features.spend.type: unknown type "money"');
    expect(message(defs('int64'))).toBe('no error');
  });
});
