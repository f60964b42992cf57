/**
 * Reads an input file (or stdin) of any supported format into a TableData,
 * inferring column types for text formats unless the user fixed them with
 * --types or --schema. Every failure names the file and, where there is
 * one, the line.
 */
import * as fs from 'node:fs';
import { FvError, fromIoError } from '../../errors/FvError.js';
import { decodeArrowIpc } from '../arrow/arrow-codec.js';
import { convertJson, convertText, inferJsonColumn, inferTextColumn } from '../infer.js';
import type { JsonCell } from '../infer.js';
import type { TableData } from '../table-data.js';
import type { Field, FvType, Value } from '../types.js';
import { sameType, typeToString } from '../types.js';
import { parseCsv } from './csv-parser.js';
import type { InputFormat } from './format.js';
import { parseJsonRecords } from './json-parser.js';

export interface ReadInputOptions {
  format: InputFormat;
  /** Name used in messages ("-" reads stdin and is shown as "<stdin>"). */
  file: string;
  /** Per-column type overrides (--types). */
  types?: Map<string, FvType>;
  /** The whole schema (--schema): names and types of every column, in order. */
  schema?: Field[];
}

export interface InputTable {
  data: TableData;
  /** Describes row r for messages: "data.csv:12" (line) or "data.parquet row 12". */
  rowLabel: (r: number) => string;
}

function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

async function* openSource(file: string): AsyncGenerator<Uint8Array> {
  const stream = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    throw fromIoError(e, `reading ${displayName(file)}`);
  }
}

async function readAll(file: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of openSource(file)) parts.push(c);
  return Buffer.concat(parts);
}

export async function readInput(opts: ReadInputOptions): Promise<InputTable> {
  const name = displayName(opts.file);
  if (opts.file !== '-') {
    let st: fs.Stats;
    try {
      st = fs.statSync(opts.file);
    } catch (e) {
      throw fromIoError(e, name);
    }
    if (st.isDirectory()) throw new FvError('BAD_INPUT', `${name} is a directory`);
  }
  switch (opts.format) {
    case 'csv':
    case 'tsv':
      return readCsv(opts, name);
    case 'jsonl':
    case 'json':
      return readJson(opts, name);
    case 'arrow':
    case 'parquet': {
      const bytes = await readAll(opts.file);
      if (bytes.length === 0) throw new FvError('BAD_INPUT', `${name}: file is empty`);
      const data = opts.format === 'arrow' ? decodeArrowIpc(bytes, name) : await (await import('./parquet.js')).readParquet(bytes, name);
      checkTypedOverrides(data, opts, name);
      return { data, rowLabel: (r) => `${name} row ${r + 1}` };
    }
  }
}

/** Binary formats carry exact types; overrides may only restate them. */
function checkTypedOverrides(data: TableData, opts: ReadInputOptions, name: string): void {
  const wanted = opts.schema ? new Map(opts.schema.map((f) => [f.name, f.type])) : opts.types;
  if (!wanted) return;
  for (const [col, t] of wanted) {
    const f = data.fields.find((x) => x.name === col);
    if (!f) throw new FvError('UNKNOWN_COLUMN', `${name}: column "${col}" given a type does not exist`);
    if (!sameType(f.type, t)) throw new FvError('TYPE_ERROR', `${name}: column "${col}" is ${typeToString(f.type)} in the file, not ${typeToString(t)}`, { hint: 'type overrides apply to CSV and JSON input; Arrow and Parquet files keep their own types' });
  }
}

/** Decides each column's type: --schema, else --types, else inference. */
function resolveTypes<C>(names: string[], cells: C[][], opts: ReadInputOptions, name: string, infer: (c: C[]) => FvType): FvType[] {
  if (opts.schema) {
    const declared = opts.schema.map((f) => f.name);
    const missing = declared.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !declared.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new FvError('SCHEMA_MISMATCH', `${name}: columns do not match the schema` + (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; not in schema: ${extra.join(', ')}` : ''));
    }
    return names.map((n) => opts.schema!.find((f) => f.name === n)!.type);
  }
  for (const col of opts.types?.keys() ?? []) {
    if (!names.includes(col)) throw new FvError('UNKNOWN_COLUMN', `${name}: column "${col}" given in --types does not exist`, { hint: `columns: ${names.join(', ')}` });
  }
  return names.map((n, i) => opts.types?.get(n) ?? infer(cells[i]!));
}

function convertColumns<C>(names: string[], types: FvType[], cells: C[][], lines: number[], name: string, convert: (c: C, t: FvType) => Value): Value[][] {
  return names.map((col, i) => {
    const t = types[i]!;
    const src = cells[i]!;
    const out: Value[] = new Array(src.length);
    for (let r = 0; r < src.length; r++) {
      try {
        out[r] = convert(src[r]!, t);
      } catch (e) {
        if (e instanceof FvError && e.code === 'TYPE_ERROR') throw new FvError('TYPE_ERROR', `${name}:${lines[r]}: column "${col}": ${e.message}`);
        throw e;
      }
    }
    return out;
  });
}

async function readCsv(opts: ReadInputOptions, name: string): Promise<InputTable> {
  let header: string[] | null = null;
  let cells: (string | null)[][] = [];
  const lines: number[] = [];
  for await (const batch of parseCsv(openSource(opts.file), { delimiter: opts.format === 'tsv' ? 9 : 44, fileName: name })) {
    for (const rec of batch) {
      if (header === null) {
        header = rec.fields.map((f) => f ?? '');
        cells = header.map(() => []);
        continue;
      }
      for (let i = 0; i < header.length; i++) cells[i]!.push(rec.fields[i] ?? null);
      lines.push(rec.line);
    }
  }
  if (header === null) throw new FvError('BAD_INPUT', `${name}: file is empty`);
  const types = resolveTypes(header, cells, opts, name, inferTextColumn);
  const columns = convertColumns(header, types, cells, lines, name, convertText);
  const fields = header.map((n, i) => ({ name: n, type: types[i]! }));
  return { data: { fields, columns, rowCount: lines.length }, rowLabel: (r) => `${name}:${lines[r]}` };
}

async function readJson(opts: ReadInputOptions, name: string): Promise<InputTable> {
  const names: string[] = [];
  const index = new Map<string, number>();
  const cells: JsonCell[][] = [];
  const lines: number[] = [];
  for await (const batch of parseJsonRecords(openSource(opts.file), { format: opts.format as 'json' | 'jsonl', fileName: name })) {
    for (const rec of batch) {
      const row = lines.length;
      for (const [k, v] of rec.values) {
        let i = index.get(k);
        if (i === undefined) {
          i = names.length;
          index.set(k, i);
          names.push(k);
          cells.push(new Array<JsonCell>(row).fill(null));
        }
        cells[i]!.push(v);
      }
      lines.push(rec.line);
      for (const col of cells) if (col.length < lines.length) col.push(null);
    }
  }
  if (names.length === 0 && lines.length === 0 && !opts.schema) throw new FvError('BAD_INPUT', `${name}: no records`);
  const types = resolveTypes(names, cells, opts, name, inferJsonColumn);
  const columns = convertColumns(names, types, cells, lines, name, convertJson);
  const fields = names.map((n, i) => ({ name: n, type: types[i]! }));
  return { data: { fields, columns, rowCount: lines.length }, rowLabel: (r) => `${name}:${lines[r]}` };
}
