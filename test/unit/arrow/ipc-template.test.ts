/**
 * encodeArrowChunk writes chunk files from a per-schema template
 * (ipc-template.ts) instead of running apache-arrow's writer per chunk.
 * Chunk bytes are content-addressed, so they must equal, byte for byte,
 * what apache-arrow's writer gives for the same values (encodeArrowIpc, the
 * reference here) on every type, null pattern and row count.
 */
import { describe, expect, it } from 'vitest';
import { encodeArrowChunk } from '../../../src/table/arrow/arrow-chunk.js';
import { encodeArrowIpc } from '../../../src/table/arrow/arrow-codec.js';
import { ColumnStore } from '../../../src/table/column-store.js';
import type { TableData } from '../../../src/table/table-data.js';
import { parseType, type Field, type Value } from '../../../src/table/types.js';
import { rng } from '../../helpers/random.js';
import { allTypes } from './all-types.js';

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

function randomValue(kind: string, type: string, r: () => number): Value {
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
function randomTable(r: () => number): TableData {
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

/** The chunk file of `t`'s rows in a random order, gathered from a ColumnStore, and the reference bytes of the same rows. */
function bothEncodings(t: TableData, r: () => number): [Uint8Array, Uint8Array] {
  const order = Uint32Array.from({ length: t.rowCount }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const store = ColumnStore.fromTableData(t);
  const chunk = encodeArrowChunk(t.fields, store.columns.map((col) => col.gather(order, 0, t.rowCount)), t.rowCount);
  const reordered: TableData = { fields: t.fields, columns: t.columns.map((col) => Array.from(order, (i) => col[i]!)), rowCount: t.rowCount };
  return [chunk, encodeArrowIpc(reordered, { format: 'file' })];
}

describe('encodeArrowChunk (template writer)', () => {
  it('writes the bytes apache-arrow writes for every type, with nulls', () => {
    const t = allTypes();
    const [chunk, reference] = bothEncodings(t, rng(1));
    expect(Buffer.from(chunk).equals(Buffer.from(reference))).toBe(true);
  });

  it('writes the bytes apache-arrow writes on random tables (0/1/many rows, no/some/all nulls)', () => {
    const r = rng(20261127);
    for (let k = 0; k < 400; k++) {
      const t = randomTable(r);
      const [chunk, reference] = bothEncodings(t, r);
      if (!Buffer.from(chunk).equals(Buffer.from(reference))) throw new Error(`case ${k} differs: ${t.fields.map((f) => JSON.stringify(f.type)).join(', ')}, ${t.rowCount} rows`);
    }
  });

  it('gives every chunk of one schema its own numbers (the template is shared, not the output)', () => {
    const r = rng(7);
    const fields: Field[] = [{ name: 'k', type: parseType('int64') }, { name: 's', type: parseType('utf8') }];
    for (const rows of [1, 5, 0, 100, 3]) {
      const t: TableData = { fields, columns: [Array.from({ length: rows }, () => randomValue('int64', 'int64', r)), Array.from({ length: rows }, () => (r() < 0.3 ? null : randomValue('utf8', 'utf8', r)))], rowCount: rows };
      const [chunk, reference] = bothEncodings(t, r);
      expect(Buffer.from(chunk).equals(Buffer.from(reference))).toBe(true);
    }
  });
});
