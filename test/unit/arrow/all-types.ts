/** Test tables shared by the Arrow codec and Parquet tests. */
import type { TableData } from '../../../src/table/table-data.js';
import { parseType, type Field, type Value } from '../../../src/table/types.js';

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
export const U64_MAX = 2n ** 64n - 1n;

export function table(spec: Array<[name: string, type: string, values: Value[]]>): TableData {
  const fields: Field[] = spec.map(([name, type]) => ({ name, type: parseType(type) }));
  const columns = spec.map(([, , values]) => values);
  return { fields, columns, rowCount: columns[0]?.length ?? 0 };
}

/**
 * Every fv type, with nulls, extremes and awkward values; 5 rows. All of them
 * survive Parquet exactly: the writer embeds the Arrow schema (timezones,
 * large_utf8, unsigned integers) and fv's own metadata names timestamp[s]
 * columns, which Parquet stores as milliseconds.
 */
export function allTypes(): TableData {
  const ts = (vals: bigint[]): Value[] => [vals[0]!, null, vals[1]!, vals[2]!, 0n];
  return table([
    ['i8', 'int8', [-128, 127, null, 0, -1]],
    ['i16', 'int16', [-32768, 32767, 0, null, 1]],
    ['i32', 'int32', [-2147483648, 2147483647, null, 0, 42]],
    ['i64', 'int64', [I64_MIN, I64_MAX, null, 0n, -1n]],
    ['u8', 'uint8', [0, 255, null, 1, 128]],
    ['u16', 'uint16', [0, 65535, 1, null, 2]],
    ['u32', 'uint32', [0, 4294967295, null, 7, 2147483648]],
    ['u64', 'uint64', [0n, U64_MAX, null, 2n ** 63n, 1n]],
    ['f32', 'float32', [1.5, -0, null, Number.NEGATIVE_INFINITY, Math.fround(3.14159)]],
    ['f64', 'float64', [Number.MIN_VALUE, -0, Number.NaN, null, Number.MAX_VALUE]],
    ['b', 'bool', [true, false, null, true, false]],
    ['s', 'utf8', ['héllo wörld', '', null, '日本語 🎉 emoji', 'plain']],
    ['ls', 'large_utf8', ['', null, 'ŝtring', 'x'.repeat(100), '\u0000nul']],
    ['bin', 'binary', [new Uint8Array([0, 255, 1]), new Uint8Array(0), null, new Uint8Array([7]), new Uint8Array(40).fill(9)]],
    ['d', 'date32', [0, -719162, null, 2932896, 19000]],
    ['ts_s', 'timestamp[s]', ts([-62135596800n, 253402300799n, 1n])],
    ['ts_ms', 'timestamp[ms]', ts([I64_MIN, I64_MAX, 1700000000123n])],
    ['ts_us', 'timestamp[us]', ts([-1n, 1700000000123456n, 9007199254740993n])],
    ['ts_ns', 'timestamp[ns]', ts([1700000000123456789n, I64_MAX, I64_MIN])],
    ['tz_s', 'timestamp[s, UTC]', ts([1n, 2n, 3n])],
    ['tz_ms', 'timestamp[ms, Europe/Paris]', ts([-1n, 1700000000123n, 5n])],
    ['tz_us', 'timestamp[us, +05:30]', ts([1700000000123456n, 0n, -5n])],
    ['tz_ns', 'timestamp[ns, America/New_York]', ts([1700000000123456789n, 1n, -1n])],
    ['dec', 'decimal(38, 10)', [-12345678901234567890123456789n, 10n ** 38n - 1n, null, -(10n ** 38n - 1n), -1n]],
    ['dec2', 'decimal(10, 2)', [12345n, -99n, 0n, null, -9999999999n]],
    ['dec3', 'decimal(4, 0)', [9999n, -9999n, null, 0n, 1n]],
  ]);
}
