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

/** Reads the blobs `oids` name, in order. */
export type BlobReader = (oids: string[]) => AsyncIterable<Uint8Array>;

/** One blob at a time, in this thread. */
export function blobsInThread(ctx: RepoContext): BlobReader {
  return async function* (oids) {
    for (const oid of oids) yield await ctx.git.readBlob(oid);
  };
}

/** The whole table `m` in stored (key) order, as typed columns; its chunks read through `readBlobs`. */
export async function readTableForBuild(ctx: RepoContext, m: TableManifest, readBlobs: BlobReader = blobsInThread(ctx)): Promise<ColumnarTable> {
  if (m.patch) {
    const whole = await readWholeTable(ctx.git, m);
    checkRowCount(m, whole.rowCount);
    return columnarFromTableData(whole);
  }
  checkRowCount(m, m.chunks.reduce((sum, c) => sum + c.rows, 0));
  const fields = manifestSchema(m).fields;
  const table = new ColumnarTableBuilder(fields, m.rows);
  let i = 0;
  for await (const bytes of readBlobs(m.chunks.map((c) => c.oid))) {
    const c = m.chunks[i++]!;
    const columns = readChunkColumns(bytes, fields, c.rows) ?? columnarFromTableData(await decodeChunkAs(bytes, fields, c)).columns;
    table.append(columns, c.rows);
  }
  return table.finish();
}

function checkRowCount(m: TableManifest, rows: number): void {
  if (rows !== m.rows) throw new FvError('CORRUPT', `table manifest says ${m.rows} rows, its chunks hold ${rows}`, { hint: 'run `git fsck --full` to check the repository' });
}
