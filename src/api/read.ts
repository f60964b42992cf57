/** Reading tables: `fv export` and the library's readTable. */
import { refuseInsideGitDir } from '../storage/safe-paths.js';
import { tableFromIPC } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { FvError } from '../errors/FvError.js';
import { encodeArrowIpc } from '../table/arrow/arrow-codec.js';
import type { OutputFormat } from '../table/formats/format.js';
import { OUTPUT_FORMATS } from '../table/formats/format.js';
import { writeOutput } from '../table/formats/write-output.js';
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import { readChunks } from '../table/table-reader.js';
import { checkTableName } from '../versioning/layout.js';
import type { RepoContext } from './context.js';

/** The manifest of `table` in the working state (at undefined) or at a rev. */
export async function tableManifest(ctx: RepoContext, table: string, at?: string): Promise<TableManifest> {
  checkTableName(table);
  const tables = at === undefined ? (await ctx.working()).tables : (await ctx.snapshot(await ctx.resolve(at))).tables;
  const oid = tables.get(table);
  if (!oid) {
    throw new FvError('UNKNOWN_TABLE', `no table "${table}"${at === undefined ? ' in the working state' : ` at ${at}`}`, {
      hint: tables.size ? `tables: ${[...tables.keys()].sort().join(', ')}` : 'import one with `fv import <file> --table <name>`',
    });
  }
  return ctx.manifest(oid, table);
}

export interface ExportOptions {
  at?: string;
  format?: string;
  /** A path, or "-" / undefined for stdout. */
  output?: string;
}

export function outputFormat(output: string | undefined, given: string | undefined): OutputFormat {
  if (given !== undefined) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(given)) throw new FvError('BAD_USAGE', `unknown format "${given}"`, { hint: `formats: ${OUTPUT_FORMATS.join(', ')}` });
    return given as OutputFormat;
  }
  const ext = output && output !== '-' ? output.slice(output.lastIndexOf('.') + 1).toLowerCase() : '';
  const byExt: Record<string, OutputFormat> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'json', parquet: 'parquet', arrow: 'arrow', feather: 'arrow' };
  return byExt[ext] ?? 'csv';
}

export async function exportTable(ctx: RepoContext, table: string, opts: ExportOptions): Promise<{ rows: number; format: OutputFormat }> {
  const m = await tableManifest(ctx, table, opts.at);
  const format = outputFormat(opts.output, opts.format);
  if (opts.output !== undefined && opts.output !== '-') refuseInsideGitDir(ctx.git.gitdir, opts.output);
  await writeOutput(manifestSchema(m).fields, readChunks(ctx.git, m), format, opts.output ?? '-');
  return { rows: m.rows, format };
}

/** The table as Arrow record batches, one per stored chunk, in stored (key) order. */
export async function* readTableBatches(ctx: RepoContext, table: string, at?: string): AsyncGenerator<RecordBatch> {
  const m = await tableManifest(ctx, table, at);
  if (m.patch) {
    // Patched: the stored chunks are not the rows; encode the merged rows instead.
    for await (const d of readChunks(ctx.git, m)) for (const b of tableFromIPC(encodeArrowIpc(d, { format: 'file' })).batches) yield b;
    return;
  }
  for (const c of m.chunks) {
    for (const b of tableFromIPC(await ctx.git.readBlob(c.oid)).batches) yield b;
  }
}
