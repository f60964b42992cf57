/**
 * gathered-rows.ts writes row encodings column by column; they must be,
 * byte for byte, what RowEncoder.add writes row by row for the same values
 * (docs/FORMAT.md section 7), whether written a column or a cell at a time, since chunk digests, content hashes and chunk
 * boundaries are made of their hashes.
 */
import { describe, expect, it } from 'vitest';
import { ColumnStore } from '../../../src/table/column-store.js';
import { encodeGatheredCell, encodeGatheredRows, gatheredRowDigest, gatheredRowHashes, gatheredRowHashes0 } from '../../../src/table/gathered-rows.js';
import { hashRows, murmur3x86_128, murmur3x86_128Range, RowDigest, RowEncoder } from '../../../src/table/row-hash.js';
import { rng } from '../../helpers/random.js';
import { randomTable } from '../../helpers/random-table.js';
import { allTypes } from '../arrow/all-types.js';

describe('gathered row encodings', () => {
  it('are the bytes RowEncoder writes, and hash to hashRows, on random tables of every type', () => {
    const r = rng(42);
    const enc = new RowEncoder();
    const tables = [allTypes(), ...Array.from({ length: 300 }, () => randomTable(r))];
    for (const [k, t] of tables.entries()) {
      const types = t.fields.map((f) => f.type);
      const gathered = ColumnStore.fromTableData(t).columns.map((col) => col.gather(null, 0, t.rowCount));
      const rows = encodeGatheredRows(gathered, types, t.rowCount, enc);
      const expected = new RowEncoder();
      for (let i = 0; i < t.rowCount; i++) {
        expected.reset();
        t.fields.forEach((f, c) => expected.add(t.columns[c]![i]!, f.type));
        const got = rows.bytes.subarray(rows.starts[i]!, rows.starts[i + 1]!);
        if (!Buffer.from(got).equals(Buffer.from(expected.bytes()))) throw new Error(`table ${k} row ${i} encodes differently`);
        // One row, cell by cell (the patch decision's form), writes the same bytes.
        const single = new RowEncoder();
        gathered.forEach((g, c) => encodeGatheredCell(g, types[c]!, i, single));
        if (!Buffer.from(single.bytes()).equals(Buffer.from(expected.bytes()))) throw new Error(`table ${k} row ${i} encodes differently cell by cell`);
      }
      const { rowHashes } = hashRows(t.columns, types, t.rowCount, null);
      const sum = new RowDigest();
      for (let i = 0; i < t.rowCount; i++) sum.add(rowHashes, 4 * i);
      expect(gatheredRowDigest(gathered, types, t.rowCount, enc).toHex(), `table ${k}`).toBe(sum.toHex());
      expect([...gatheredRowHashes(gathered, types, t.rowCount, enc)], `table ${k}`).toEqual([...rowHashes]);
      const lane0 = new Uint32Array(t.rowCount + 2);
      gatheredRowHashes0(gathered, types, t.rowCount, enc, lane0, 2);
      for (let i = 0; i < t.rowCount; i++) expect(lane0[2 + i]).toBe(rowHashes[4 * i]);
    }
  });

  it('murmur3x86_128Range hashes a range as murmur3x86_128 hashes its copy', () => {
    const r = rng(5);
    const data = Uint8Array.from({ length: 200 }, () => Math.floor(r() * 256));
    const a = new Uint32Array(4), b = new Uint32Array(4);
    for (let start = 0; start < 40; start += 3) {
      for (let end = start; end < 200; end += 7) {
        murmur3x86_128Range(data, start, end, a);
        murmur3x86_128(data.slice(start, end), b);
        expect([...a]).toEqual([...b]);
      }
    }
  });
});
