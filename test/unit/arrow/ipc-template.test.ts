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
import { parseType, type Field } from '../../../src/table/types.js';
import { rng } from '../../helpers/random.js';
import { randomTable, randomValue } from '../../helpers/random-table.js';
import { allTypes } from './all-types.js';

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
