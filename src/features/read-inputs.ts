/**
 * Reading a build's input tables quickly: a training-set build reads every
 * chunk of every input table, so this path matters (bench/build.mjs).
 *
 * Each chunk's Arrow buffers are copied into typed columns preallocated to
 * the table's row count (typed-columns.ts): no JS value per cell, and the
 * inflated chunk is garbage as soon as it is copied. Chunks not in fv's own
 * layout are decoded the general way and re-encoded. Patched tables
 * (FORMAT.md section 9) are read through table-reader.ts's readChunks, which
 * applies the patch, and then converted.
 */
import type { RepoContext } from '../api/context.js';
import { FvError } from '../errors/FvError.js';
import { readChunkColumns } from '../table/arrow/chunk-columns.js';
import type { ColumnarTable } from '../table/arrow/typed-columns.js';
import { ColumnarTableBuilder, columnarFromTableData } from '../table/arrow/typed-columns.js';
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import { decodeChunkAs, readWholeTable } from '../table/table-reader.js';

/** The whole table `m` in stored (key) order, as typed columns. */
export async function readTableForBuild(ctx: RepoContext, m: TableManifest): Promise<ColumnarTable> {
  if (m.patch) {
    const whole = await readWholeTable(ctx.git, m);
    checkRowCount(m, whole.rowCount);
    return columnarFromTableData(whole);
  }
  checkRowCount(m, m.chunks.reduce((sum, c) => sum + c.rows, 0));
  const fields = manifestSchema(m).fields;
  const table = new ColumnarTableBuilder(fields, m.rows);
  for (const c of m.chunks) {
    const bytes = await ctx.git.readBlob(c.oid);
    const columns = readChunkColumns(bytes, fields, c.rows) ?? columnarFromTableData(await decodeChunkAs(bytes, fields, c)).columns;
    table.append(columns, c.rows);
  }
  return table.finish();
}

function checkRowCount(m: TableManifest, rows: number): void {
  if (rows !== m.rows) throw new FvError('CORRUPT', `table manifest says ${m.rows} rows, its chunks hold ${rows}`, { hint: 'run `git fsck --full` to check the repository' });
}
