/**
 * A chunk's statistics come from its gathered columns (gatheredExtremes,
 * with loops of its own per kind); they must name the rows Column.extremes
 * names for the same rows of the store: same null count, same least and
 * greatest row (NaN greatest, ties keeping the first row).
 */
import { describe, expect, it } from 'vitest';
import { ColumnStore } from '../../../src/table/column-store.js';
import { gatheredExtremes } from '../../../src/table/gathered-column.js';
import { rng } from '../../helpers/random.js';
import { randomTable } from '../../helpers/random-table.js';

describe('gatheredExtremes', () => {
  it('names the rows Column.extremes names, on random tables of every type in random orders', () => {
    const r = rng(99);
    for (let k = 0; k < 300; k++) {
      const t = randomTable(r);
      const store = ColumnStore.fromTableData(t);
      const order = Uint32Array.from({ length: t.rowCount }, () => Math.floor(r() * t.rowCount));
      store.columns.forEach((col, c) => {
        const want = col.extremes(order, 0, t.rowCount);
        const got = gatheredExtremes(col.gather(order, 0, t.rowCount), t.fields[c]!.type, t.rowCount);
        // Gathered rows are chunk positions; the store's are store rows.
        const at = (i: number) => (i < 0 ? -1 : order[i]!);
        expect({ nulls: got.nulls, minRow: at(got.minRow), maxRow: at(got.maxRow) }, `table ${k} column ${c}`).toEqual(want);
      });
    }
  });
});
