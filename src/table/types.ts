/**
 * fv's logical column types and the JS values that carry them.
 *
 * Types are named the way Arrow names them (`int64`, `utf8`,
 * `timestamp[ms, UTC]`), which is also how they appear in manifests,
 * `--types` overrides and `column_type` checks.
 *
 * In-memory values (one JS representation per type, chosen to be exact):
 *   int8..int32, uint8..uint32, float32, float64 -> number
 *   int64, uint64                                -> bigint (exact beyond 2^53)
 *   bool                                         -> boolean
 *   utf8, large_utf8                             -> string
 *   binary                                       -> Uint8Array
 *   date32                                       -> number (days since 1970-01-01)
 *   timestamp[unit, tz]                          -> bigint (count of `unit` since the epoch, UTC)
 *   decimal(p, s)                                -> bigint (the unscaled integer)
 *   null                                         -> null (any type)
 */
import { FvError } from '../errors/FvError.js';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

export type IntKind = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';

export type FvType =
  | { kind: IntKind }
  | { kind: 'float32' }
  | { kind: 'float64' }
  | { kind: 'bool' }
  | { kind: 'utf8' }
  | { kind: 'large_utf8' }
  | { kind: 'binary' }
  | { kind: 'date32' }
  | { kind: 'timestamp'; unit: TimeUnit; tz: string | null }
  | { kind: 'decimal'; precision: number; scale: number };

export type Value = null | boolean | number | bigint | string | Uint8Array;

export interface Field {
  name: string;
  type: FvType;
}

export const INT_KINDS: readonly IntKind[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

const SIMPLE_KINDS = new Set<string>([...INT_KINDS, 'float32', 'float64', 'bool', 'utf8', 'large_utf8', 'binary', 'date32']);

/** Aliases accepted from users (`--types`, schema files); output always uses canonical names. */
const ALIASES: Record<string, string> = {
  int: 'int64', integer: 'int64', long: 'int64', bigint: 'int64',
  float: 'float64', double: 'float64', number: 'float64',
  boolean: 'bool', string: 'utf8', str: 'utf8', text: 'utf8',
  date: 'date32', datetime: 'timestamp[us]', timestamp: 'timestamp[us]',
  large_string: 'large_utf8',
};

export function typeToString(t: FvType): string {
  switch (t.kind) {
    case 'timestamp':
      return t.tz === null ? `timestamp[${t.unit}]` : `timestamp[${t.unit}, ${t.tz}]`;
    case 'decimal':
      return `decimal(${t.precision}, ${t.scale})`;
    default:
      return t.kind;
  }
}

/** Parses a type name such as `int64`, `timestamp[ms, UTC]` or `decimal(10,2)`. */
export function parseType(text: string): FvType {
  const raw = text.trim();
  const s = ALIASES[raw.toLowerCase()] ?? raw;
  if (SIMPLE_KINDS.has(s)) return { kind: s } as FvType;
  let m = /^timestamp\[\s*(s|ms|us|ns)\s*(?:,\s*([^\]]+?)\s*)?\]$/.exec(s);
  if (m) return { kind: 'timestamp', unit: m[1] as TimeUnit, tz: m[2] ?? null };
  m = /^decimal(?:128)?\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(s);
  if (m) {
    const precision = Number(m[1]);
    const scale = Number(m[2]);
    if (precision < 1 || precision > 38 || scale > precision) throw new FvError('BAD_USAGE', `unsupported decimal type "${text}": precision must be 1..38 and scale <= precision`);
    return { kind: 'decimal', precision, scale };
  }
  throw new FvError('BAD_USAGE', `unknown type "${text}"`, { hint: 'types: int8..int64, uint8..uint64, float32, float64, bool, utf8, large_utf8, binary, date32, timestamp[unit(, tz)], decimal(p, s)' });
}

export function sameType(a: FvType, b: FvType): boolean {
  return typeToString(a) === typeToString(b);
}

export function isIntegerKind(t: FvType): t is { kind: IntKind } {
  return (INT_KINDS as readonly string[]).includes(t.kind);
}

/** Types whose in-memory value is a bigint. */
export function isBigIntType(t: FvType): boolean {
  return t.kind === 'int64' || t.kind === 'uint64' || t.kind === 'timestamp' || t.kind === 'decimal';
}

export const TIME_UNITS_PER_SECOND: Record<TimeUnit, bigint> = { s: 1n, ms: 1000n, us: 1000000n, ns: 1000000000n };
