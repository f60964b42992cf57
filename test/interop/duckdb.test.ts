/**
 * Interoperability with an independent Arrow/Parquet implementation: DuckDB
 * (its own C++ Parquet reader and writer, nothing shared with fv's
 * parquet-wasm / apache-arrow stack), through @duckdb/node-api, whose native
 * library ships inside npm packages.
 *
 * a. DuckDB -> fv: DuckDB writes a Parquet file with every common SQL type,
 *    fv imports it; types and exact values are checked through fv's CLI.
 * b. fv -> DuckDB: fv imports a tricky CSV and exports Parquet, CSV and
 *    Arrow; DuckDB reads the Parquet and CSV files back and must see the same
 *    types and values (compared as DuckDB's own VARCHAR text, so no JS number
 *    precision is involved).
 * c. A chunk blob taken straight out of git is a valid Arrow IPC file whose
 *    schema is the manifest's.
 *
 * Arrow IPC and DuckDB: DuckDB reads and writes Arrow IPC files only through
 * its `arrow` community extension, which must be downloaded (`COPY ... (FORMAT
 * arrow)` and `read_arrow` do not exist in the bundled build, and this machine
 * reaches no extension repository). @duckdb/node-api does not expose DuckDB's
 * Arrow C interface either. So Arrow files are checked with apache-arrow's own
 * reader (tableFromIPC) as the second opinion, and DuckDB is exercised on
 * Parquet and CSV only.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { dataFile, newRepo, ok, tempDir } from '../helpers.js';

type DuckModule = typeof import('@duckdb/node-api');

let duck: DuckModule | null = null;
let loadError = '';
try {
  duck = await import('@duckdb/node-api');
} catch (e) {
  loadError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

const SKIP_REASON = duck === null ? ` (SKIPPED: @duckdb/node-api failed to load: ${loadError})` : '';

// ---------------------------------------------------------------- DuckDB

interface Duck {
  /** Rows of a query, each cell as DuckDB's JSON form (use ::VARCHAR casts for exact text). */
  rows(sql: string): Promise<unknown[][]>;
  run(sql: string): Promise<void>;
  /** [column name, DuckDB type] of a relation, e.g. "read_parquet('x')". */
  describe(relation: string): Promise<[string, string][]>;
  close(): void;
}

async function openDuck(): Promise<Duck> {
  // Extensions are never downloaded: everything used here (parquet, icu for
  // TIMESTAMPTZ, CSV) is built into the npm package.
  const instance = await duck!.DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const con = await instance.connect();
  await con.run(`SET TimeZone = 'UTC'`);
  return {
    async rows(sql) {
      const reader = await con.runAndReadAll(sql);
      return (await reader.getRowsJson()) as unknown[][];
    },
    async run(sql) {
      await con.run(sql);
    },
    async describe(relation) {
      const reader = await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`);
      return (await reader.getRowsJson()) as [string, string][];
    },
    close() {
      con.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Every column of `relation` as DuckDB's VARCHAR text, ordered by `orderBy`. */
function asText(relation: string, orderBy: string): string {
  return `SELECT COLUMNS(*)::VARCHAR FROM ${relation} ORDER BY ${orderBy}`;
}

// ---------------------------------------------------------------- fv helpers

interface ShownTable {
  rows: number;
  key: string[];
  columns: { name: string; type: string; nulls: number }[];
}

function show(dir: string, target: string): ShownTable {
  return JSON.parse(ok(dir, ['show', target, '--json'])) as ShownTable;
}

interface Manifest {
  fields: { name: string; type: string }[];
  key: string[];
  rows: number;
  chunks: { oid: string; rows: number; bytes: number; columns: { nulls: number }[] }[];
}

/** git with binary stdout. */
function gitBytes(cwd: string, args: string[]): Buffer {
  const r = spawnSync('git', args, { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

/**
 * The top-level values of a one-line JSON object as their exact source text
 * (JSON.parse would round int64 and drop the sign of -0.0).
 */
function rawJsonFields(line: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  const skipWs = (): void => {
    while (/\s/.test(line[i] ?? '')) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i++;
    return line.slice(start, i);
  };
  const readValue = (): string => {
    skipWs();
    const start = i;
    if (line[i] === '"') return readString();
    let depth = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === '"') {
        readString();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      i++;
    }
    return line.slice(start, i).trim();
  };
  skipWs();
  expect(line[i]).toBe('{');
  i++;
  for (;;) {
    skipWs();
    if (line[i] === '}') break;
    const key = JSON.parse(readString()) as string;
    skipWs();
    expect(line[i]).toBe(':');
    i++;
    out.push([key, readValue()]);
    skipWs();
    if (line[i] === ',') i++;
  }
  return out;
}

// ---------------------------------------------------------------- Arrow helpers

const TS_UNITS = ['s', 'ms', 'us', 'ns'];

/** fv's (= Arrow's) type name of an apache-arrow DataType, built from its parts, not from toString(). */
function fvTypeName(t: arrow.DataType): string {
  switch (t.typeId) {
    case arrow.Type.Int: {
      const i = t as arrow.Int;
      return `${i.isSigned ? 'int' : 'uint'}${i.bitWidth}`;
    }
    case arrow.Type.Float:
      return ({ [arrow.Precision.HALF]: 'float16', [arrow.Precision.SINGLE]: 'float32', [arrow.Precision.DOUBLE]: 'float64' } as Record<number, string>)[(t as arrow.Float).precision]!;
    case arrow.Type.Bool:
      return 'bool';
    case arrow.Type.Utf8:
      return 'utf8';
    case arrow.Type.LargeUtf8:
      return 'large_utf8';
    case arrow.Type.Binary:
      return 'binary';
    case arrow.Type.Date:
      return (t as arrow.Date_).unit === arrow.DateUnit.DAY ? 'date32' : 'date64';
    case arrow.Type.Timestamp: {
      const ts = t as arrow.Timestamp;
      const unit = TS_UNITS[ts.unit]!;
      return ts.timezone ? `timestamp[${unit}, ${ts.timezone}]` : `timestamp[${unit}]`;
    }
    case arrow.Type.Decimal: {
      const d = t as arrow.Decimal;
      expect(d.bitWidth).toBe(128);
      return `decimal(${d.precision}, ${d.scale})`;
    }
    default:
      return `unexpected:${String(t)}`;
  }
}

/**
 * One cell as an exact, comparable string: apache-arrow's get() turns
 * timestamps into float milliseconds and decimals into objects, so those are
 * read from the raw buffers.
 */
function rawCell(v: arrow.Vector, row: number): string {
  if (!v.isValid(row)) return 'null';
  let j = row;
  for (const d of v.data) {
    if (j >= d.length) {
      j -= d.length;
      continue;
    }
    const k = d.offset + j;
    switch (d.type.typeId) {
      case arrow.Type.Date:
        // get() gives milliseconds; date32 stores days.
        return `number:${(d.values as Int32Array)[k]!}`;
      case arrow.Type.Timestamp:
        return `ts:${(d.values as BigInt64Array)[k]!.toString()}`;
      case arrow.Type.Decimal: {
        const w = d.values as Uint32Array;
        let u = 0n;
        for (let x = 3; x >= 0; x--) u = (u << 32n) | BigInt(w[k * 4 + x]!);
        if (u >= 1n << 127n) u -= 1n << 128n;
        return `dec:${u.toString()}`;
      }
      case arrow.Type.Float: {
        const f = (d.values as Float64Array | Float32Array)[k]!;
        return `f:${Object.is(f, -0) ? '-0' : String(f)}`;
      }
      default: {
        const x: unknown = v.get(row);
        return `${typeof x}:${typeof x === 'string' ? JSON.stringify(x) : String(x)}`;
      }
    }
  }
  throw new Error(`row ${row} out of range`);
}

function rawRows(t: arrow.Table): string[][] {
  const out: string[][] = [];
  for (let r = 0; r < t.numRows; r++) out.push(t.schema.fields.map((_, c) => rawCell(t.getChildAt(c)!, r)));
  return out;
}

function isArrowFile(bytes: Uint8Array): boolean {
  const magic = Buffer.from('ARROW1');
  return Buffer.from(bytes.subarray(0, 6)).equals(magic) && Buffer.from(bytes.subarray(bytes.length - 6)).equals(magic);
}

/** Microseconds since the epoch of an ISO UTC instant with up to 6 fraction digits. */
function isoMicros(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/.exec(iso)!;
  const ms = Date.parse(m[1]! + (m[3] === 'Z' ? 'Z' : m[3]!));
  return BigInt(ms) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/**
 * Checks every chunk of `table` at HEAD straight from git's object store:
 * the tree's chunk entries are the manifest's, each blob is named by its
 * bytes, is an Arrow IPC file with one record batch, nullable fields, no
 * metadata and exactly the manifest's schema, and together the chunks hold
 * the rows fv exports.
 */
function checkChunksInGit(dir: string, table: string, outDir: string): Manifest {
  const manifest = JSON.parse(gitBytes(dir, ['cat-file', 'blob', `HEAD:.fv/tables/${table}/manifest.json`]).toString('utf8')) as Manifest;
  const prefix = `.fv/tables/${table}/chunks/`;
  const entries = gitBytes(dir, ['ls-tree', '-r', 'HEAD']).toString('utf8').split('\n').filter((l) => l.includes(`\t${prefix}`));
  const listed = entries.map((l) => {
    const [meta, p] = l.split('\t') as [string, string];
    const [mode, kind, oid] = meta.split(' ') as [string, string, string];
    expect([mode, kind]).toEqual(['100644', 'blob']);
    expect(p).toBe(`${prefix}${oid.slice(0, 2)}/${oid}.arrow`);
    return oid;
  });
  expect([...listed].sort()).toEqual([...new Set(manifest.chunks.map((c) => c.oid))].sort());

  const rows: string[][] = [];
  for (const chunk of manifest.chunks) {
    const bytes = gitBytes(dir, ['cat-file', 'blob', chunk.oid]);
    expect(bytes.length).toBe(chunk.bytes);
    const gitOid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    expect(gitOid).toBe(chunk.oid);
    expect(isArrowFile(bytes), 'ARROW1 magic at both ends (IPC file, not stream)').toBe(true);

    const t = arrow.tableFromIPC(bytes);
    expect(t.batches.length).toBe(1);
    expect(t.numRows).toBe(chunk.rows);
    expect(t.schema.fields.map((f) => [f.name, fvTypeName(f.type)])).toEqual(manifest.fields.map((f) => [f.name, f.type]));
    expect(t.schema.fields.every((f) => f.nullable)).toBe(true);
    expect(t.schema.metadata.size).toBe(0);
    expect(t.schema.fields.every((f) => f.metadata.size === 0)).toBe(true);
    expect(t.schema.fields.map((_, c) => t.getChildAt(c)!.nullCount)).toEqual(chunk.columns.map((c) => c.nulls));
    rows.push(...rawRows(t));
  }
  expect(rows.length).toBe(manifest.rows);

  const exported = path.join(outDir, `${table}-head.arrow`);
  ok(dir, ['export', table, '--at', 'HEAD', '-o', exported]);
  expect(rows).toEqual(rawRows(arrow.tableFromIPC(fs.readFileSync(exported))));
  return manifest;
}

// ================================================================= a. DuckDB -> fv

const A_TYPES: [string, string][] = [
  ['id', 'int64'],
  ['i', 'int32'],
  ['s', 'int16'],
  ['d', 'float64'],
  ['b', 'bool'],
  ['v', 'utf8'],
  ['dt', 'date32'],
  ['ts', 'timestamp[us]'],
  ['tz', 'timestamp[us, UTC]'],
  ['dec', 'decimal(18, 3)'],
  ['n', 'int64'],
];

const A_DUCK_TYPES: [string, string][] = [
  ['id', 'BIGINT'],
  ['i', 'INTEGER'],
  ['s', 'SMALLINT'],
  ['d', 'DOUBLE'],
  ['b', 'BOOLEAN'],
  ['v', 'VARCHAR'],
  ['dt', 'DATE'],
  ['ts', 'TIMESTAMP'],
  ['tz', 'TIMESTAMP WITH TIME ZONE'],
  ['dec', 'DECIMAL(18,3)'],
  ['n', 'BIGINT'],
];

/** The rows, in fv's key order (id ascending), as fv's JSON Lines export must write them. */
const A_JSONL = [
  '{"id":-9223372036854775808,"i":-2147483648,"s":-32768,"d":-0.0,"b":true,"v":"héllo 日本 🎉","dt":"1970-01-01","ts":"2024-02-29T12:34:56.123456","tz":"2024-02-29T12:34:56.123456Z","dec":-123456789012345.678,"n":9223372036854775807}',
  '{"id":1,"i":null,"s":null,"d":null,"b":true,"v":"a,\\"b\\"\\nc","dt":null,"ts":null,"tz":null,"dec":null,"n":null}',
  '{"id":2,"i":7,"s":8,"d":2.5,"b":null,"v":"x","dt":"2000-02-29","ts":"2000-02-29T00:00:00.500000","tz":null,"dec":-0.500,"n":-1}',
  '{"id":9007199254740993,"i":0,"s":0,"d":"NaN","b":null,"v":null,"dt":"1900-03-01","ts":"2024-01-01T00:00:00.000000","tz":"1969-07-20T20:17:40.000001Z","dec":0.001,"n":9007199254740993}',
  '{"id":9223372036854775807,"i":2147483647,"s":32767,"d":1e+300,"b":false,"v":"","dt":"2038-01-19","ts":"1969-12-31T23:59:59.999999","tz":"2000-01-01T00:00:00.000000Z","dec":999999999999999.999,"n":-9223372036854775808}',
];

/** A table written by DuckDB to Parquet and imported into a fresh fv repository. */
async function duckdbParquetRepo(): Promise<{ dir: string; parquet: string; out: string }> {
  const db = await openDuck();
  const parquet = dataFile('duckdb-types.parquet', '');
  try {
    await db.run(`CREATE TABLE src (id BIGINT, i INTEGER, s SMALLINT, d DOUBLE, b BOOLEAN, v VARCHAR, dt DATE,
      ts TIMESTAMP, tz TIMESTAMPTZ, dec DECIMAL(18,3), n BIGINT)`);
    // Rows deliberately not in key order. '-0.0'::DOUBLE: a bare -0.0 literal is
    // DECIMAL and loses its sign. The last TIMESTAMPTZ is given at +05:30.
    await db.run(`INSERT INTO src VALUES
      (9223372036854775807, 2147483647, 32767, 1e300, false, '', DATE '2038-01-19',
       TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMPTZ '2000-01-01 05:30:00+05:30', 999999999999999.999, -9223372036854775808),
      (1, NULL, NULL, NULL, true, ${lit('a,"b"\nc')}, NULL, NULL, NULL, NULL, NULL),
      (-9223372036854775808, -2147483648, -32768, '-0.0'::DOUBLE, true, ${lit('héllo 日本 🎉')}, DATE '1970-01-01',
       TIMESTAMP '2024-02-29 12:34:56.123456', TIMESTAMPTZ '2024-02-29 12:34:56.123456+00', -123456789012345.678, 9223372036854775807),
      (9007199254740993, 0, 0, 'NaN'::DOUBLE, NULL, NULL, DATE '1900-03-01',
       TIMESTAMP '2024-01-01 00:00:00', TIMESTAMPTZ '1969-07-20 20:17:40.000001+00', 0.001, 9007199254740993),
      (2, 7, 8, 2.5, NULL, 'x', DATE '2000-02-29', TIMESTAMP '2000-02-29 00:00:00.5', NULL, -0.5, -1)`);
    await db.run(`COPY src TO ${lit(parquet)} (FORMAT PARQUET)`);
    // DuckDB wrote what we meant: its own Parquet schema has the intended types.
    expect(await db.describe(`read_parquet(${lit(parquet)})`)).toEqual(A_DUCK_TYPES);
  } finally {
    db.close();
  }
  const dir = newRepo();
  ok(dir, ['import', parquet, '--table', 't', '--key', 'id']);
  ok(dir, ['commit', '-m', 'from duckdb']);
  return { dir, parquet, out: tempDir('fv-interop-out-') };
}

describe.skipIf(duck === null)(`DuckDB -> fv (Parquet written by DuckDB)${SKIP_REASON}`, () => {
  let repo: Promise<{ dir: string; parquet: string; out: string }> | null = null;
  const setup = (): Promise<{ dir: string; parquet: string; out: string }> => (repo ??= duckdbParquetRepo());

  it('keeps every column type exactly, with nulls counted', async () => {
    const { dir } = await setup();
    const t = show(dir, 'HEAD:t');
    expect(t.rows).toBe(5);
    expect(t.key).toEqual(['id']);
    expect(t.columns.map((c) => [c.name, c.type])).toEqual(A_TYPES);
    expect(Object.fromEntries(t.columns.map((c) => [c.name, c.nulls]))).toEqual({ id: 0, i: 1, s: 1, d: 1, b: 2, v: 1, dt: 1, ts: 1, tz: 2, dec: 1, n: 1 });
  });

  it('keeps every value exactly (JSON Lines export, compared as source text)', async () => {
    const { dir } = await setup();
    const text = ok(dir, ['export', 't', '--format', 'jsonl']);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(A_JSONL.length);
    for (let r = 0; r < lines.length; r++) {
      const actual = rawJsonFields(lines[r]!);
      const expected = rawJsonFields(A_JSONL[r]!);
      expect(actual.map(([k]) => k)).toEqual(expected.map(([k]) => k));
      for (let c = 0; c < expected.length; c++) {
        const [name, want] = expected[c]!;
        const got = actual[c]![1];
        expect(got, `row ${r} ${name}`).toBe(want);
      }
    }
    // Byte for byte too (column order, no whitespace).
    expect(text).toBe(A_JSONL.map((l) => l + '\n').join(''));
  });

  it('exports back to Parquet that DuckDB reads as the very same table', async () => {
    const { dir, parquet, out } = await setup();
    const back = path.join(out, 'a-back.parquet');
    ok(dir, ['export', 't', '-o', back]);
    const db = await openDuck();
    try {
      expect(await db.describe(`read_parquet(${lit(back)})`)).toEqual(A_DUCK_TYPES);
      const src = `read_parquet(${lit(parquet)})`;
      const dst = `read_parquet(${lit(back)})`;
      expect(await db.rows(asText(dst, 'id'))).toEqual(await db.rows(asText(src, 'id')));
      // EXCEPT compares typed values (NaN equals NaN in DuckDB, NULLs match).
      expect(await db.rows(`SELECT * FROM ${src} EXCEPT ALL SELECT * FROM ${dst}`)).toEqual([]);
      expect(await db.rows(`SELECT * FROM ${dst} EXCEPT ALL SELECT * FROM ${src}`)).toEqual([]);
      // -0.0 survives both ways (equality would not notice its sign).
      expect(await db.rows(`SELECT (1 / d)::VARCHAR, d::VARCHAR FROM ${dst} WHERE id = -9223372036854775808`)).toEqual([['-inf', '-0.0']]);
    } finally {
      db.close();
    }
  });

  it('chunks in git are Arrow IPC files with the manifest schema', async () => {
    const { dir, out } = await setup();
    const m = checkChunksInGit(dir, 't', out);
    expect(m.fields.map((f) => [f.name, f.type])).toEqual(A_TYPES);
  });
});

// ================================================================= b. fv -> DuckDB

const B_CSV =
  'id,big,f,s,note,day,ts_z,ts_frac,ts_off,ts_naive,flag\n' +
  '1,9223372036854775807,1.5,"a,b",x,2024-01-31,2024-01-31T10:00:00Z,2024-01-31T10:00:00.123456Z,2024-01-31T15:30:00.250+05:30,2024-01-31T10:00:00.123,true\n' +
  '2,-9223372036854775808,-0.25,"say ""hi""",,1999-12-31,2024-02-01T00:00:00Z,2024-02-01T23:59:59.5Z,1999-12-31T23:59:59.999+05:30,1999-12-31T23:59:59.999,false\n' +
  '3,9007199254740993,1e300,"line1\nline2","",2000-02-29,1970-01-01T00:00:00Z,1970-01-01T00:00:00.000001Z,1970-01-01T05:30:00.000+05:30,1970-01-01T00:00:00.000,\n' +
  '4,,3.0,日本語 🎉 é,"",,,,,,TRUE\n' +
  '5,-1,,,,1900-01-01,2038-01-19T03:14:07Z,2038-01-19T03:14:07.999999Z,,1900-01-01T00:00:00.001,False\n' +
  '6,9007199254740992,-0.0,"",",",2024-02-29,1969-12-31T23:59:59Z,1969-12-31T23:59:59.999999Z,2024-02-29T00:00:00.5+05:30,2024-02-29T12:00:00.5,true\n';

const B_TYPES: [string, string][] = [
  ['id', 'int64'],
  ['big', 'int64'],
  ['f', 'float64'],
  ['s', 'utf8'],
  ['note', 'utf8'],
  ['day', 'date32'],
  ['ts_z', 'timestamp[s, UTC]'],
  ['ts_frac', 'timestamp[us, UTC]'],
  ['ts_off', 'timestamp[ms, +05:30]'],
  ['ts_naive', 'timestamp[ms]'],
  ['flag', 'bool'],
];

/** What DuckDB must see. Parquet has no zone names/offsets: an offset zone is an instant (TIMESTAMPTZ), shown in UTC. */
const B_DUCK_TYPES: [string, string][] = [
  ['id', 'BIGINT'],
  ['big', 'BIGINT'],
  ['f', 'DOUBLE'],
  ['s', 'VARCHAR'],
  ['note', 'VARCHAR'],
  ['day', 'DATE'],
  ['ts_z', 'TIMESTAMP WITH TIME ZONE'],
  ['ts_frac', 'TIMESTAMP WITH TIME ZONE'],
  ['ts_off', 'TIMESTAMP WITH TIME ZONE'],
  ['ts_naive', 'TIMESTAMP'],
  ['flag', 'BOOLEAN'],
];

/** DuckDB's own VARCHAR text of every value (TimeZone = UTC), written out by hand. */
const B_DUCK_ROWS: (string | null)[][] = [
  ['1', '9223372036854775807', '1.5', 'a,b', 'x', '2024-01-31', '2024-01-31 10:00:00+00', '2024-01-31 10:00:00.123456+00', '2024-01-31 10:00:00.25+00', '2024-01-31 10:00:00.123', 'true'],
  ['2', '-9223372036854775808', '-0.25', 'say "hi"', null, '1999-12-31', '2024-02-01 00:00:00+00', '2024-02-01 23:59:59.5+00', '1999-12-31 18:29:59.999+00', '1999-12-31 23:59:59.999', 'false'],
  ['3', '9007199254740993', '1e+300', 'line1\nline2', '', '2000-02-29', '1970-01-01 00:00:00+00', '1970-01-01 00:00:00.000001+00', '1970-01-01 00:00:00+00', '1970-01-01 00:00:00', null],
  ['4', null, '3.0', '日本語 🎉 é', '', null, null, null, null, null, 'true'],
  ['5', '-1', null, null, null, '1900-01-01', '2038-01-19 03:14:07+00', '2038-01-19 03:14:07.999999+00', null, '1900-01-01 00:00:00.001', 'false'],
  ['6', '9007199254740992', '-0.0', '', ',', '2024-02-29', '1969-12-31 23:59:59+00', '1969-12-31 23:59:59.999999+00', '2024-02-28 18:30:00.5+00', '2024-02-29 12:00:00.5', 'true'],
];

const TS_Z = B_TYPES.findIndex(([n]) => n === 'ts_z');
const without = <T>(xs: T[], i: number): T[] => xs.filter((_, j) => j !== i);

interface BRepo {
  dir: string;
  parquet: string;
  arrowFile: string;
  csv: string;
}

function csvRepo(): BRepo {
  const dir = newRepo();
  ok(dir, ['import', dataFile('fv-to-duckdb.csv', B_CSV), '--table', 't', '--key', 'id']);
  ok(dir, ['commit', '-m', 'csv']);
  const out = tempDir('fv-interop-out-');
  const files = { parquet: path.join(out, 'out.parquet'), arrowFile: path.join(out, 'out.arrow'), csv: path.join(out, 'out.csv') };
  for (const f of Object.values(files)) ok(dir, ['export', 't', '-o', f]);
  return { dir, ...files };
}

describe.skipIf(duck === null)(`fv -> DuckDB (Parquet, CSV and Arrow written by fv)${SKIP_REASON}`, () => {
  let repo: BRepo | null = null;
  const setup = (): BRepo => (repo ??= csvRepo());

  it('infers the intended fv types from the CSV', () => {
    const { dir } = setup();
    const t = show(dir, 'HEAD:t');
    expect(t.columns.map((c) => [c.name, c.type])).toEqual(B_TYPES);
    expect(t.rows).toBe(6);
  });

  it('DuckDB reads the Parquet export with the same types and exact values (all but ts_z)', async () => {
    const { parquet } = setup();
    const db = await openDuck();
    try {
      const rel = `read_parquet(${lit(parquet)})`;
      expect(without(await db.describe(rel), TS_Z)).toEqual(without(B_DUCK_TYPES, TS_Z));
      const cols = without(B_TYPES.map(([n]) => n), TS_Z).join(', ');
      expect(await db.rows(`SELECT COLUMNS(*)::VARCHAR FROM (SELECT ${cols} FROM ${rel}) ORDER BY id::BIGINT`)).toEqual(B_DUCK_ROWS.map((r) => without(r, TS_Z)));
      // Typed checks, not only text: 2^53 + 1 is exact, -0.0 keeps its sign, "" is not NULL.
      expect(await db.rows(`SELECT count(*) FROM ${rel} WHERE big = 9007199254740993 OR big = 9223372036854775807`)).toEqual([['2']]);
      expect(await db.rows(`SELECT (1 / f)::VARCHAR FROM ${rel} WHERE id = 6`)).toEqual([['-inf']]);
      expect(await db.rows(`SELECT id::VARCHAR FROM ${rel} WHERE note = '' ORDER BY id`)).toEqual([['3'], ['4']]);
      expect(await db.rows(`SELECT id::VARCHAR FROM ${rel} WHERE note IS NULL ORDER BY id`)).toEqual([['2'], ['5']]);
    } finally {
      db.close();
    }
  });

  // Parquet has no seconds unit: fv writes timestamp[s] as TIMESTAMP(MILLIS)
  // so that readers that ignore the ARROW:schema metadata see a timestamp.
  it('DuckDB reads a seconds-unit timestamp from the Parquet export as a timestamp', async () => {
    const { parquet } = setup();
    const db = await openDuck();
    try {
      const rel = `read_parquet(${lit(parquet)})`;
      expect((await db.describe(rel))[TS_Z]).toEqual(B_DUCK_TYPES[TS_Z]);
      expect(await db.rows(`SELECT ts_z::VARCHAR FROM ${rel} ORDER BY id`)).toEqual(B_DUCK_ROWS.map((r) => [r[TS_Z]]));
    } finally {
      db.close();
    }
  });

  it('DuckDB reads the CSV export with the same values, null distinct from ""', async () => {
    const { csv } = setup();
    const db = await openDuck();
    try {
      // DuckDB's sniffer finds the intended types on its own (floats keep ".0").
      const auto = `read_csv(${lit(csv)}, header = true, allow_quoted_nulls = false)`;
      expect(await db.describe(auto)).toEqual(B_DUCK_TYPES);
      // And with the types given explicitly, every value parses to the same text.
      const typed = `read_csv(${lit(csv)}, header = true, allow_quoted_nulls = false, columns = {${B_DUCK_TYPES.map(([n, t]) => `${lit(n)}: ${lit(t)}`).join(', ')}})`;
      expect(await db.rows(asText(typed, 'id::BIGINT'))).toEqual(B_DUCK_ROWS);
      expect(await db.rows(asText(auto, 'id::BIGINT'))).toEqual(B_DUCK_ROWS);
      // Strings untouched by any type: "" stays the empty string, an empty field is NULL.
      const text = `read_csv(${lit(csv)}, header = true, all_varchar = true, allow_quoted_nulls = false)`;
      expect(await db.rows(`SELECT s, note FROM ${text} ORDER BY id::BIGINT`)).toEqual(B_DUCK_ROWS.map((r) => [r[3], r[4]]));
    } finally {
      db.close();
    }
  });

  it('the Arrow export is an Arrow IPC file apache-arrow reads with exact types and values', () => {
    // DuckDB cannot read Arrow IPC files offline (see the header comment).
    const { arrowFile } = setup();
    const bytes = fs.readFileSync(arrowFile);
    expect(isArrowFile(bytes)).toBe(true);
    const t = arrow.tableFromIPC(bytes);
    expect(t.schema.fields.map((f) => [f.name, fvTypeName(f.type)])).toEqual(B_TYPES);
    expect(t.schema.fields.every((f) => f.nullable)).toBe(true);
    const us = (iso: string): string => `ts:${isoMicros(iso)}`;
    const ms = (iso: string): string => `ts:${isoMicros(iso) / 1000n}`;
    const s = (iso: string): string => `ts:${isoMicros(iso) / 1000000n}`;
    const day = (d: string): string => `number:${Date.parse(d + 'T00:00:00Z') / 86400000}`;
    const str = (x: string): string => `string:${JSON.stringify(x)}`;
    expect(rawRows(t)).toEqual([
      ['bigint:1', 'bigint:9223372036854775807', 'f:1.5', str('a,b'), str('x'), day('2024-01-31'), s('2024-01-31T10:00:00Z'), us('2024-01-31T10:00:00.123456Z'), ms('2024-01-31T10:00:00.250Z'), ms('2024-01-31T10:00:00.123Z'), 'boolean:true'],
      ['bigint:2', 'bigint:-9223372036854775808', 'f:-0.25', str('say "hi"'), 'null', day('1999-12-31'), s('2024-02-01T00:00:00Z'), us('2024-02-01T23:59:59.5Z'), ms('1999-12-31T18:29:59.999Z'), ms('1999-12-31T23:59:59.999Z'), 'boolean:false'],
      ['bigint:3', 'bigint:9007199254740993', 'f:1e+300', str('line1\nline2'), str(''), day('2000-02-29'), 'ts:0', 'ts:1', 'ts:0', 'ts:0', 'null'],
      ['bigint:4', 'null', 'f:3', str('日本語 🎉 é'), str(''), 'null', 'null', 'null', 'null', 'null', 'boolean:true'],
      ['bigint:5', 'bigint:-1', 'null', 'null', 'null', day('1900-01-01'), 'ts:2147483647', us('2038-01-19T03:14:07.999999Z'), 'null', 'ts:-2208988799999', 'boolean:false'],
      ['bigint:6', 'bigint:9007199254740992', 'f:-0', str(''), str(','), day('2024-02-29'), 'ts:-1', 'ts:-1', ms('2024-02-28T18:30:00.5Z'), ms('2024-02-29T12:00:00.5Z'), 'boolean:true'],
    ]);
  });

  it('fv reads its own Parquet and Arrow exports back to the identical table', () => {
    const { dir, parquet, arrowFile } = setup();
    const hash = (JSON.parse(ok(dir, ['show', 'HEAD:t', '--json'])) as { content_hash: string }).content_hash;
    for (const f of [parquet, arrowFile]) {
      ok(dir, ['import', f, '--table', 't']);
      const t = JSON.parse(ok(dir, ['show', ':t', '--json'])) as { content_hash: string; columns: { name: string; type: string }[] };
      expect(t.columns.map((c) => [c.name, c.type]), f).toEqual(B_TYPES);
      expect(t.content_hash, f).toBe(hash);
    }
  });

  it('chunks in git are Arrow IPC files with the manifest schema', () => {
    const { dir } = setup();
    const m = checkChunksInGit(dir, 't', tempDir('fv-interop-out-'));
    expect(m.fields.map((f) => [f.name, f.type])).toEqual(B_TYPES);
  });
});

// ================================================================= c. chunks straight from git

describe('chunk blobs in git are standalone Arrow IPC files', () => {
  it('for a table of several chunks, each readable on its own, together the table', () => {
    const n = 6000;
    let csv = 'id,x,name,at\n';
    for (let i = 0; i < n; i++) {
      const id = (i * 7919) % n; // not in key order
      csv += `${id - 3000},${id % 11 === 0 ? '' : (id / 8).toFixed(3)},${id % 13 === 0 ? '' : id % 17 === 0 ? '""' : `n${id}é`},${id % 5 === 0 ? '' : `2024-01-01T00:00:${String(id % 60).padStart(2, '0')}.${String(id % 1000).padStart(3, '0')}Z`}\n`;
    }
    const dir = newRepo();
    ok(dir, ['import', dataFile('chunks.csv', csv), '--table', 'big', '--key', 'id']);
    ok(dir, ['commit', '-m', 'big']);
    const m = checkChunksInGit(dir, 'big', tempDir('fv-interop-out-'));
    expect(m.chunks.length).toBeGreaterThan(1);
    expect(m.rows).toBe(n);
    expect(m.fields).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'x', type: 'float64' },
      { name: 'name', type: 'utf8' },
      { name: 'at', type: 'timestamp[ms, UTC]' },
    ]);
  });
});
