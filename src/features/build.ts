/**
 * Building a training set at a commit: resolve the training set's spine,
 * label and features to tables of that commit, read them, run the
 * point-in-time join (pit-join.ts), and encode the result deterministically.
 */
import { createHash } from 'node:crypto';
import type { RepoContext } from '../api/context.js';
import { FvError } from '../errors/FvError.js';
import { isIntegerKind, parseType, typeToString } from '../table/types.js';
import { encodeColumnarIpc } from '../table/arrow/gather-column.js';
import type { ColumnarTable } from '../table/arrow/typed-columns.js';
import { bitAt, columnarFromTableData, nullBitmapOf, tableDataFromColumnar } from '../table/arrow/typed-columns.js';
import { csvLines } from '../table/formats/write-output.js';
import type { LoadedDefinitions } from './definitions.js';
import type { PitColumn, PitSource } from './pit-join.js';
import { pointInTimeJoinColumnar } from './pit-join.js';
import { blobsInThread, readTableForBuild } from './read-inputs.js';
import type { BuildHelper } from './build-helper.js';

export const BUILD_FORMATS = ['arrow', 'parquet', 'csv'] as const;
export type BuildFormat = (typeof BUILD_FORMATS)[number];

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface TrainingSetData {
  /** Canonical columns (gather-column.ts), ready to encode. */
  data: ColumnarTable;
  /** Input table name -> its content hash at the commit (sorted by name when serialised). */
  tables: Map<string, string>;
}

export interface ComputeOptions {
  /** Reads the inputs' objects ahead on a second thread (default: none, all in this thread). */
  helper?: BuildHelper | null;
  /** The output format: for 'parquet' the helper warms up its Parquet writer during the join. */
  format?: BuildFormat;
}

/** Reads the inputs of training set `name` from `loaded` (a commit's definitions and tables) and joins them. */
export async function computeTrainingSet(ctx: RepoContext, loaded: LoadedDefinitions, name: string, opts: ComputeOptions = {}): Promise<TrainingSetData> {
  const helper = opts.helper ?? null;
  const { defs } = loaded;
  const where = loaded.commit === null ? 'the working state' : `commit ${loaded.commit.slice(0, 7)}`;
  const ts = defs.training_sets.get(name);
  if (!ts) {
    const names = [...defs.training_sets.keys()];
    throw new FvError('BAD_USAGE', `no training set "${name}" in features.json at ${where}`, {
      hint: names.length ? `training sets: ${names.slice(0, 20).join(', ')}` : 'declare one under "training_sets" in features.json and commit it',
    });
  }
  const tableHashes = new Map<string, string>();
  const tableData = new Map<string, ColumnarTable>();
  const readTable = async (table: string, why: string): Promise<ColumnarTable> => {
    let d = tableData.get(table);
    if (d) return d;
    const oid = loaded.tables.get(table);
    if (!oid) throw new FvError('UNKNOWN_TABLE', `training set ${name}: ${why} reads table "${table}", which does not exist at ${where}`, { hint: 'import and commit it, or build at a commit that has it (--at)' });
    const m = await ctx.manifest(oid, table);
    d = await readTableForBuild(ctx, m, helper === null ? blobsInThread(ctx) : (oids) => helper.readBlobs(oids, (oid) => ctx.git.readBlob(oid)));
    tableData.set(table, d);
    tableHashes.set(table, m.content_hash);
    return d;
  };
  const file = loaded.commit === null ? 'features.json' : `features.json at ${loaded.commit.slice(0, 7)}`;
  const spineSrc = defs.sources.get(ts.spine)!;
  const spine = await readTable(spineSrc.table, `spine "${ts.spine}"`);
  checkEventTimes(file, ts.spine, spineSrc.event_time, spineSrc.table, spine);
  const spineKeys = spineSrc.entities.flatMap((e) => defs.entities.get(e)!.keys);
  const sources: PitSource<ColumnarTable>[] = [];
  const sourceIndex = new Map<string, number>();
  const sourceOf = async (srcName: string, why: string): Promise<number> => {
    let i = sourceIndex.get(srcName);
    if (i !== undefined) return i;
    const s = defs.sources.get(srcName)!;
    const data = await readTable(s.table, why);
    checkEventTimes(file, srcName, s.event_time, s.table, data);
    i = sources.length;
    sources.push({ name: s.table, data, keys: s.entities.flatMap((e) => defs.entities.get(e)!.keys), eventTime: s.event_time, createdTime: s.created_time });
    sourceIndex.set(srcName, i);
    return i;
  };
  const columns: PitColumn[] = [];
  if (ts.label !== null) {
    const l = defs.labels.get(ts.label)!;
    // A label of the spine's own source is the spine row's value; one from another source is joined as of T like a feature.
    columns.push({ name: l.name, source: l.source === ts.spine ? 'spine' : await sourceOf(l.source, `label "${l.name}"`), column: l.column, ttlNanos: null });
  }
  for (const f of ts.features) {
    const fd = defs.features.get(f)!;
    columns.push({ name: f, source: await sourceOf(fd.source, `feature "${f}"`), column: fd.column, ttlNanos: fd.ttl?.nanos ?? null });
  }
  if (helper !== null && opts.format === 'parquet') helper.warmParquet(await parquetWarmUpIpc());
  const data = pointInTimeJoinColumnar({ spine, spineName: spineSrc.table, spineKeys, spineTime: spineSrc.event_time, sources, columns, asOf: ts.as_of });
  return { data, tables: tableHashes };
}

/**
 * Every row of a source (the spine included) needs an event time of a time
 * type: a null would silently drop a spine row's features or a feature row,
 * and a text column usually means times that did not parse on import. Both
 * are errors naming the definition that declares the column.
 */
function checkEventTimes(file: string, source: string, column: string, table: string, data: ColumnarTable): void {
  const where = `${file}: sources.${source}.event_time`;
  const i = data.fields.findIndex((f) => f.name === column);
  if (i < 0) throw new FvError('BAD_DEFINITIONS', `${where}: no column "${column}" in table ${table}`, { hint: `columns: ${data.fields.map((f) => f.name).join(', ')}` });
  const type = data.fields[i]!.type;
  if (type.kind !== 'timestamp' && type.kind !== 'date32' && !isIntegerKind(type)) {
    throw new FvError('TYPE_ERROR', `${where}: column "${column}" of table ${table} is ${typeToString(type)}, not a timestamp, date or integer`, {
      hint: type.kind === 'utf8' || type.kind === 'large_utf8' ? 'some values did not parse as times; fix them and re-import, or fix the type with `fv import --types col:timestamp[s, UTC]`' : undefined,
    });
  }
  const col = data.columns[i]!;
  const nulls = col.nullCount;
  if (nulls > 0) {
    const bitmap = nullBitmapOf(col)!;
    let first = 0;
    while (bitAt(bitmap, col.offset + first)) first++;
    throw new FvError('BAD_INPUT', `${where}: column "${column}" of table ${table} has ${nulls} null value${nulls === 1 ? '' : 's'} (first at stored row ${first + 1}); every row needs an event time`, {
      hint: 'fill or drop those rows and commit, then build again',
    });
  }
}

/**
 * The output file's bytes: Arrow IPC file (canonical), Parquet (pinned
 * writer settings) or CSV. Same data => same bytes, whichever thread
 * writes the Parquet file.
 */
export async function encodeTrainingSet(t: ColumnarTable, format: BuildFormat, helper: BuildHelper | null = null): Promise<Uint8Array> {
  if (format === 'arrow') return encodeColumnarIpc(t, 'file');
  if (format === 'parquet') {
    const parquet = await import('../table/formats/parquet.js');
    if (helper !== null) {
      const { ipc, seconds } = parquet.parquetInput(t);
      const bytes = await helper.writeParquet(ipc, seconds);
      if (bytes !== null) return bytes;
    }
    return parquet.writeParquetColumnar(t);
  }
  return new TextEncoder().encode(csvLines(tableDataFromColumnar(t), ',', true));
}

/** Rows of the warm-up table: enough for every encoding path (dictionary, plain, nulls), small enough to write in ~0.1 s. */
const WARM_UP_ROWS = 2048;

/**
 * A small table with one column of each common output type (the physical
 * Parquet types a training set usually has), as an Arrow IPC stream: the
 * Parquet writer's first call compiles the code it runs, and writing this
 * on the helper thread moves most of that off the build's critical path.
 */
async function parquetWarmUpIpc(): Promise<Uint8Array> {
  const n = WARM_UP_ROWS;
  const rows = Array.from({ length: n }, (_, i) => i);
  const orNull = <T>(i: number, v: T): T | null => (i % 13 === 0 ? null : v);
  const t = columnarFromTableData({
    fields: [
      { name: 'i64', type: parseType('int64') },
      { name: 'i32', type: parseType('int32') },
      { name: 'f64', type: parseType('float64') },
      { name: 'ts', type: parseType('timestamp[ms, UTC]') },
      { name: 'day', type: parseType('date32') },
      { name: 'b', type: parseType('bool') },
      { name: 's', type: parseType('utf8') },
    ],
    columns: [
      rows.map((i) => orNull(i, BigInt(i * 7919))),
      rows.map((i) => orNull(i, i % 50)),
      rows.map((i) => orNull(i, i * 0.25)),
      rows.map((i) => orNull(i, 1704067200000n + BigInt(i) * 60000n)),
      rows.map((i) => orNull(i, 19723 + (i % 400))),
      rows.map((i) => orNull(i, i % 3 === 0)),
      rows.map((i) => orNull(i, `v${i % 40}`)),
    ],
    rowCount: n,
  });
  return (await import('../table/formats/parquet.js')).parquetInput(t).ipc;
}
