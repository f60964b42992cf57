/**
 * The keyed merge-join of table-diff.ts over typed Arrow columns, for two
 * unpatched versions with the same columns: keys and cells are compared in
 * place (typed-cells.ts) and JS values are made only for the row changes
 * the diff shows (the first `limit`). A scattered change to a 1M-row table
 * stored whole touches every chunk, so every row of both sides is compared;
 * decoding each cell into a JS value first cost more than the comparing.
 */
import type { BlobStore } from '../../table/blob-store.js';
import type { ChunkRef, TableManifest } from '../../table/manifest.js';
import { manifestSchema } from '../../table/manifest.js';
import type { ChunkColumn } from '../../table/arrow/chunk-buffers.js';
import { chunkValues, readChunkBuffersAs } from '../../table/table-reader.js';
import type { TableData } from '../../table/table-data.js';
import type { Field, Value } from '../../table/types.js';
import type { CellColumn, CellCompare } from './typed-cells.js';
import { cellColumn, cellCompare } from './typed-cells.js';
import type { RowChange, TableDiff } from './table-diff.js';

/** One side's chunks, one in memory at a time, with the row the merge-join is at. */
class TypedCursor {
  cells: CellColumn[] = [];
  row = 0;
  private chunk: ChunkColumn[] | null = null;
  private rowCount = 0;
  /** The current chunk's JS values, made only when one of its rows is shown. */
  private values: TableData | null = null;
  private next = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly fields: Field[],
    private readonly refs: ChunkRef[],
  ) {}

  /** Makes `row` name a row of the current chunk if one is left; false at the end. */
  async fill(): Promise<boolean> {
    while (this.chunk === null || this.row >= this.rowCount) {
      if (this.next >= this.refs.length) {
        this.chunk = null;
        return false;
      }
      const ref = this.refs[this.next++]!;
      const chunk = await readChunkBuffersAs(this.store, this.fields, ref);
      this.chunk = chunk;
      this.rowCount = ref.rows;
      this.cells = this.fields.map((f, i) => cellColumn(f.type, chunk[i]!));
      this.values = null;
      this.row = 0;
    }
    return true;
  }

  /** True while the current chunk still has a row: no await needed. */
  get ready(): boolean {
    return this.chunk !== null && this.row < this.rowCount;
  }

  /** The current row's values by column name. */
  async record(): Promise<Record<string, Value>> {
    const t = await this.rowValues();
    const o: Record<string, Value> = {};
    t.fields.forEach((f, i) => (o[f.name] = t.columns[i]![this.row]!));
    return o;
  }

  async key(keyIdx: number[]): Promise<Value[]> {
    const t = await this.rowValues();
    return keyIdx.map((c) => t.columns[c]![this.row]!);
  }

  private async rowValues(): Promise<TableData> {
    if (this.values === null) {
      this.values = await chunkValues(this.fields, this.chunk!, this.rowCount);
    }
    return this.values;
  }
}

/** The positions of `names` among `fields`. */
const positionsOf = (fields: Field[], names: string[]): number[] => names.map((n) => fields.findIndex((f) => f.name === n));

/**
 * Counts (and shows the first `limit` of) the rows added, removed and
 * modified between the chunks `refsBefore` of `before` and `refsAfter` of
 * `after`, both in key order. The two sides have the same columns (names
 * and types), possibly in another order; either side may be absent.
 */
export async function typedKeyedDiff(
  store: BlobStore,
  before: { m: TableManifest; refs: ChunkRef[] } | null,
  after: { m: TableManifest; refs: ChunkRef[] } | null,
  key: string[],
  res: TableDiff,
  limit: number,
): Promise<void> {
  const fieldsBefore = before ? manifestSchema(before.m).fields : [];
  const fieldsAfter = after ? manifestSchema(after.m).fields : [];
  const left = before ? new TypedCursor(store, fieldsBefore, before.refs) : null;
  const right = after ? new TypedCursor(store, fieldsAfter, after.refs) : null;
  const keyLeft = positionsOf(fieldsBefore, key);
  const keyRight = positionsOf(fieldsAfter, key);
  const keyCompare: CellCompare[] = key.map((_, k) => cellCompare((fieldsAfter[keyRight[k]!] ?? fieldsBefore[keyLeft[k]!])!.type));
  // Every column is compared for "modified"; the sides have the same columns, maybe in another order.
  const colLeft = positionsOf(fieldsBefore, fieldsAfter.map((f) => f.name));
  const colCompare = fieldsAfter.map((f) => cellCompare(f.type));
  const compareKeys = (l: TypedCursor, r: TypedCursor): number => {
    for (let k = 0; k < keyCompare.length; k++) {
      const c = keyCompare[k]!(l.cells[keyLeft[k]!]!, l.row, r.cells[keyRight[k]!]!, r.row);
      if (c !== 0) return c;
    }
    return 0;
  };
  const rowChanged = (l: TypedCursor, r: TypedCursor): boolean => {
    for (let c = 0; c < colCompare.length; c++) if (colCompare[c]!(l.cells[colLeft[c]!]!, l.row, r.cells[c]!, r.row) !== 0) return true;
    return false;
  };
  const wants = (): boolean => res.rows.length < limit;
  const add = (c: RowChange): void => void res.rows.push(c);
  for (;;) {
    const lHas = left !== null && (left.ready || (await left.fill()));
    const rHas = right !== null && (right.ready || (await right.fill()));
    if (!lHas && !rHas) break;
    const cmp = !lHas ? 1 : !rHas ? -1 : compareKeys(left!, right!);
    if (cmp < 0) {
      res.removed++;
      if (wants()) add({ op: 'removed', key: await left!.key(keyLeft), before: await left!.record(), after: null });
      left!.row++;
    } else if (cmp > 0) {
      res.added++;
      if (wants()) add({ op: 'added', key: await right!.key(keyRight), before: null, after: await right!.record() });
      right!.row++;
    } else {
      if (rowChanged(left!, right!)) {
        res.modified++;
        if (wants()) add({ op: 'modified', key: await left!.key(keyLeft), before: await left!.record(), after: await right!.record() });
      }
      left!.row++;
      right!.row++;
    }
  }
}
