/**
 * Reading a build's input tables quickly: a training-set build reads every
 * chunk of every input table, so this path matters (bench/build.mjs).
 *
 * Rows come from table-reader.ts's readChunks, so patched tables (FORMAT.md
 * section 9) are read with their patch applied and every chunk is checked
 * against its manifest. Unlike readWholeTable, each chunk's rows are copied
 * into columns preallocated to the table's row count instead of collecting
 * every chunk and concatenating, which halves the peak memory of the copy.
 */
import type { RepoContext } from '../api/context.js';
import { FvError } from '../errors/FvError.js';
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import type { TableData } from '../table/table-data.js';
import { readChunks } from '../table/table-reader.js';
import type { Value } from '../table/types.js';

/** The whole table `m` in stored (key) order, as readWholeTable gives it. */
export async function readTableForBuild(ctx: RepoContext, m: TableManifest): Promise<TableData> {
  const fields = manifestSchema(m).fields;
  const total = m.rows;
  const columns: Value[][] = fields.map(() => new Array<Value>(total));
  let at = 0;
  for await (const d of readChunks(ctx.git, m)) {
    if (at + d.rowCount > total) break;
    for (let i = 0; i < fields.length; i++) {
      const src = d.columns[i]!;
      const dst = columns[i]!;
      for (let r = 0; r < d.rowCount; r++) dst[at + r] = src[r]!;
    }
    at += d.rowCount;
  }
  if (at !== total) throw new FvError('CORRUPT', `table manifest says ${total} rows, its chunks hold ${at}`, { hint: 'run `git fsck --full` to check the repository' });
  return { fields, columns, rowCount: total };
}
