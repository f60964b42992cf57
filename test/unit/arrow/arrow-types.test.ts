import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { arrowTypeToFv, fvTypeToArrow } from '../../../src/table/arrow/arrow-types.js';
import { parseType, typeToString } from '../../../src/table/types.js';

const ALL_TYPE_NAMES = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float32', 'float64', 'bool', 'utf8', 'large_utf8', 'binary', 'date32',
  'timestamp[s]', 'timestamp[ms]', 'timestamp[us]', 'timestamp[ns]',
  'timestamp[s, UTC]', 'timestamp[ms, Europe/Paris]', 'timestamp[us, +05:30]', 'timestamp[ns, America/New_York]',
  'decimal(1, 0)', 'decimal(10, 2)', 'decimal(38, 10)', 'decimal(38, 38)',
];

function expectUnsupported(t: arrow.DataType, pattern: RegExp): void {
  try {
    arrowTypeToFv(t, 'x');
  } catch (e) {
    expect(e).toBeInstanceOf(FvError);
    expect((e as FvError).code).toBe('UNSUPPORTED');
    expect((e as FvError).message).toMatch(/^column "x": Arrow type /);
    expect((e as FvError).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected ${String(t)} to be rejected`);
}

describe('fv <-> Arrow type mapping', () => {
  it('round-trips every fv type exactly', () => {
    for (const name of ALL_TYPE_NAMES) {
      const t = parseType(name);
      expect(typeToString(arrowTypeToFv(fvTypeToArrow(t), 'c'))).toBe(name);
    }
  });

  it('maps to the expected Arrow types', () => {
    expect(String(fvTypeToArrow(parseType('int64')))).toBe('Int64');
    expect(String(fvTypeToArrow(parseType('uint8')))).toBe('Uint8');
    expect(fvTypeToArrow(parseType('large_utf8')).typeId).toBe(arrow.Type.LargeUtf8);
    const ts = fvTypeToArrow(parseType('timestamp[ns, UTC]')) as arrow.Timestamp;
    expect(ts.unit).toBe(arrow.TimeUnit.NANOSECOND);
    expect(ts.timezone).toBe('UTC');
    const naive = fvTypeToArrow(parseType('timestamp[s]')) as arrow.Timestamp;
    expect(naive.timezone ?? null).toBeNull();
    const d = fvTypeToArrow(parseType('decimal(38, 10)')) as arrow.Decimal;
    expect([d.precision, d.scale, d.bitWidth]).toEqual([38, 10, 128]);
    const date = fvTypeToArrow(parseType('date32')) as arrow.Date_;
    expect(date.unit).toBe(arrow.DateUnit.DAY);
  });

  it('folds storage variants onto one fv type', () => {
    expect(arrowTypeToFv(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), 'c')).toEqual({ kind: 'utf8' });
    expect(arrowTypeToFv(new arrow.Dictionary(new arrow.LargeUtf8(), new arrow.Uint32()), 'c')).toEqual({ kind: 'large_utf8' });
    expect(arrowTypeToFv(new arrow.Utf8View(), 'c')).toEqual({ kind: 'utf8' });
    expect(arrowTypeToFv(new arrow.LargeBinary(), 'c')).toEqual({ kind: 'binary' });
    expect(arrowTypeToFv(new arrow.BinaryView(), 'c')).toEqual({ kind: 'binary' });
    // An empty timezone string is treated as "no timezone".
    expect(arrowTypeToFv(new arrow.TimestampMillisecond(''), 'c')).toEqual({ kind: 'timestamp', unit: 'ms', tz: null });
  });

  it('rejects types fv cannot carry, naming the column and type', () => {
    expectUnsupported(new arrow.List(new arrow.Field('item', new arrow.Int32())), /List<Int32> is not supported/);
    expectUnsupported(new arrow.Struct([new arrow.Field('a', new arrow.Int32())]), /Struct/);
    const entries = new arrow.Struct<{ key: arrow.Utf8; value: arrow.Int32 }>([
      new arrow.Field('key', new arrow.Utf8(), false), new arrow.Field('value', new arrow.Int32()),
    ]);
    expectUnsupported(new arrow.Map_(new arrow.Field('entries', entries)), /Map/);
    expectUnsupported(new arrow.Float16(), /Float16/);
    expectUnsupported(new arrow.TimeMillisecond(), /Time/);
    expectUnsupported(new arrow.DurationSecond(), /Duration/);
    expectUnsupported(new arrow.IntervalDayTime(), /Interval/);
    expectUnsupported(new arrow.Null(), /Null/);
    expectUnsupported(new arrow.FixedSizeBinary(16), /FixedSizeBinary/);
    expectUnsupported(new arrow.DateMillisecond(), /date64/);
    expectUnsupported(new arrow.Decimal(2, 10, 256), /decimal256/);
    expectUnsupported(new arrow.Decimal(-2, 10, 128), /scale/);
    expectUnsupported(new arrow.Dictionary(new arrow.Float16(), new arrow.Int32()), /Float16/);
  });
});
