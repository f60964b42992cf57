/**
 * Reading a build's input tables quickly: a training-set build reads every
 * chunk of every input table, so this path matters (bench/build.mjs).
 *
 * Objects come through storage's reader (native zlib, SHA-1 verified, packs
 * read entry by entry). Unlike table-reader.ts's readWholeTable,
 * chunks are decoded one by one (decodeArrowIpc, with its structural
 *    verification) into columns preallocated to the manifest's row count,
 *    instead of collecting every chunk and concatenating.
 */
import type { RepoContext } from '../api/context.js';
import { FvError } from '../errors/FvError.js';
import { decodeArrowIpc } from '../table/arrow/arrow-codec.js';
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import type { TableData } from '../table/table-data.js';
import { sameType } from '../table/types.js';
import type { Value } from '../table/types.js';

/** The whole table `m` in stored order, as readWholeTable gives it. */
export async function readTableForBuild(ctx: RepoContext, m: TableManifest): Promise<TableData> {
  const fields = manifestSchema(m).fields;
  const total = m.chunks.reduce((s, c) => s + c.rows, 0);
  const columns: Value[][] = fields.map(() => new Array<Value>(total));
  let at = 0;
  for (const c of m.chunks) {
    const bytes = await ctx.git.readBlob(c.oid);
    const d = decodeArrowIpc(bytes, `chunk ${c.oid}`);
    if (d.rowCount !== c.rows || d.fields.length !== fields.length || d.fields.some((f, i) => f.name !== fields[i]!.name || !sameType(f.type, fields[i]!.type))) {
      throw new FvError('CORRUPT', `chunk ${c.oid} does not match its manifest`, { hint: 'run `git fsck --full` to check the repository' });
    }
    for (let i = 0; i < fields.length; i++) {
      const src = d.columns[i]!;
      const dst = columns[i]!;
      for (let r = 0; r < d.rowCount; r++) dst[at + r] = src[r]!;
    }
    at += d.rowCount;
  }
  return { fields, columns, rowCount: total };
}
