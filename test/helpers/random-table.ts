/** Random tables of every fv type for equality tests (seeded: test/helpers/random.ts). */
import type { TableData } from '../../src/table/table-data.js';
import { parseType, type Field, type Value } from '../../src/table/types.js';

const TYPES = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'bool', 'utf8', 'large_utf8',
  'binary', 'date32', 'timestamp[s]', 'timestamp[ms, UTC]', 'timestamp[us]', 'timestamp[ns, Europe/Paris]', 'decimal(38, 10)', 'decimal(9, 2)',
];

const TEXT = ['', 'a', 'héllo', '日本語 🎉', 'x'.repeat(70), '\u0000', 'plain text'];
const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647], uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], date32: [-719162, 2932896],
};

function randomBig(r: () => number, bits: number): bigint {
  let v = 0n;
  for (let b = 0; b < bits; b += 16) v = (v << 16n) | BigInt(Math.floor(r() * 65536));
  return v;
}

export function randomValue(kind: string, type: string, r: () => number): Value {
  const range = INT_RANGE[kind];
  if (range) return r() < 0.2 ? range[Math.floor(r() * 2)]! : range[0] + Math.floor(r() * (range[1] - range[0] + 1));
  switch (kind) {
    case 'int64': case 'timestamp': return BigInt.asIntN(64, randomBig(r, 64));
    case 'uint64': return BigInt.asUintN(64, randomBig(r, 64));
    case 'float32': case 'float64': {
      const special = [Number.NaN, -0, 0, Infinity, -Infinity, 1e-310];
      const v = r() < 0.2 ? special[Math.floor(r() * special.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 12);
      return kind === 'float32' ? Math.fround(v) : v;
    }
    case 'bool': return r() < 0.5;
    case 'utf8': case 'large_utf8': return TEXT[Math.floor(r() * TEXT.length)]! + (r() < 0.5 ? String(Math.floor(r() * 1e6)) : '');
    case 'binary': return Uint8Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 256));
    case 'decimal': {
      const precision = Number(/\((\d+)/.exec(type)![1]);
      const limit = 10n ** BigInt(precision);
      const v = randomBig(r, 128) % limit;
      return r() < 0.5 ? -v : v;
    }
  }
  throw new Error(kind);
}

/** A random table: random columns, row count (0, 1 and small ones often) and null density (none, some, all). */
export function randomTable(r: () => number): TableData {
  const width = Math.floor(r() * 6);
  const rows = [0, 1, 2, 7, 8, 9, 63, 64, 65, 300][Math.floor(r() * 10)]!;
  const fields: Field[] = [];
  const columns: Value[][] = [];
  for (let c = 0; c < width; c++) {
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    const t = parseType(type);
    const nullRate = [0, 0, 0.1, 0.5, 1][Math.floor(r() * 5)]!;
    fields.push({ name: `c${c}`, type: t });
    columns.push(Array.from({ length: rows }, () => (r() < nullRate ? null : randomValue(t.kind, type, r))));
  }
  return { fields, columns, rowCount: rows };
}

