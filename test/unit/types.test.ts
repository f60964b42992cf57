import { describe, expect, it } from 'vitest';
import { parseType, typeToString } from '../../src/table/types.js';

describe('type names', () => {
  it('round-trips canonical names and accepts aliases', () => {
    for (const name of ['int64', 'uint8', 'float64', 'utf8', 'date32', 'timestamp[ms, UTC]', 'timestamp[ns]', 'decimal(10, 2)']) {
      expect(typeToString(parseType(name))).toBe(name);
    }
    expect(typeToString(parseType('string'))).toBe('utf8');
    expect(typeToString(parseType('decimal(12,3)'))).toBe('decimal(12, 3)');
    expect(() => parseType('varchar')).toThrow(/unknown type/);
  });
});
