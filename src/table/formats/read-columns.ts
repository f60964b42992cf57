/**
 * Reads an input file (or stdin) of any supported format into a compact
 * ColumnStore, inferring column types for text formats unless the user
 * fixed them with --types or --schema.
 *
 * Text formats are streamed so that memory holds only the typed table, never
 * the raw text of every cell. JSON is read in two passes (pass 1 infers the
 * types, pass 2 converts each cell straight into its typed column); CSV in
 * one when the types guessed from its first rows hold for the whole file
 * (see readCsv). Stdin is spooled to a temporary file first so it can be
 * read twice. Every failure
 * names the file and, where there is one, the line.
 *
 * openInput() gives the rows in batches, so an import can write a table
 * without ever holding all of it (see api/import-stream.ts); readColumns()
 * is the same reading with the whole table in one batch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FvError, fromIoError } from '../../errors/FvError.js';
import { makeTempDir } from '../../storage/temp-dir.js';
import { decodeArrowIpc } from '../arrow/arrow-codec.js';
import { ColumnStore } from '../column-store.js';
import { convertJson, JsonInference, TextInference } from '../infer.js';
import type { JsonCell } from '../infer.js';
import type { Field, FvType, Value } from '../types.js';
import { sameType, typeToString } from '../types.js';
import { CsvBatchRecycler } from './csv-batch.js';
import { parseCsv } from './csv-parser.js';
import type { CsvBatch } from './csv-batch.js';
import { Conversion, typeError } from './csv-convert.js';
import { inferBatch } from './csv-infer.js';
import type { InputFormat } from './format.js';
import { parseJsonRecords } from './json-parser.js';

export interface ReadOptions {
  format: InputFormat;
  /** A path, or "-" for stdin (shown as "<stdin>"). */
  file: string;
  /** Per-column type overrides (--types). */
  types?: Map<string, FvType>;
  /** The whole schema (--schema, or the table's schema for append/upsert). */
  schema?: Field[];
}

export interface ReadResult {
  store: ColumnStore;
  /** Describes row r for messages: "data.csv:12" (its line) or "data.parquet row 12". */
  rowLabel: (r: number) => string;
}

/** Rows of an input in file order, and each row's source position (its line, or its row number in a binary file). */
export interface RowBatch {
  store: ColumnStore;
  positions: ArrayLike<number>;
}

/**
 * What reading an input yields: its fields, then its rows in batches, the
 * last one possibly empty. The fields come again (then the rows again, from
 * the first) when the types guessed for a CSV file proved wrong: every row
 * yielded before then is void.
 */
export type InputEvent = { kind: 'fields'; fields: Field[] } | { kind: 'rows'; batch: RowBatch };

export interface Input {
  /** Names the row at a source position in messages: "data.csv:12" or "data.parquet row 12". */
  label(position: number): string;
  /** Reads the input from its start, in batches of about `batchRows` rows (Infinity: one batch). May be called again. */
  read(batchRows: number): AsyncGenerator<InputEvent>;
  /** Removes the copy of stdin, if one was made. */
  close(): void;
}

async function* openSource(file: string, shown: string): AsyncGenerator<Uint8Array> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    throw fromIoError(e, `reading ${shown}`);
  }
}

/** Copies stdin to a private temporary file (removed by the caller). */
async function spoolStdin(): Promise<{ file: string; cleanup: () => void }> {
  const dir = makeTempDir('fv-stdin-');
  const file = path.join(dir.path, 'input');
  try {
    await pipeline(process.stdin, fs.createWriteStream(file));
  } catch (e) {
    dir.remove();
    throw fromIoError(e, 'reading <stdin>');
  }
  return { file, cleanup: dir.remove };
}

/** Opens an input file (or stdin, spooled to a temporary file) for reading, once or more. */
export async function openInput(opts: ReadOptions): Promise<Input> {
  const shown = opts.file === '-' ? '<stdin>' : opts.file;
  let file = opts.file;
  let cleanup = (): void => {};
  if (file === '-') ({ file, cleanup } = await spoolStdin());
  try {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      throw fromIoError(e, shown);
    }
    if (st.isDirectory()) throw new FvError('BAD_INPUT', `${shown} is a directory`);
    if (st.size === 0) throw new FvError('BAD_INPUT', `${shown}: file is empty`);
  } catch (e) {
    cleanup();
    throw e;
  }
  const binary = opts.format === 'arrow' || opts.format === 'parquet';
  return {
    label: binary ? (pos) => `${shown} row ${pos}` : (pos) => `${shown}:${pos}`,
    read: (batchRows) => {
      switch (opts.format) {
        case 'csv':
        case 'tsv':
          return readCsv(file, shown, opts, batchRows);
        case 'jsonl':
        case 'json':
          return readJson(file, shown, opts, batchRows);
        case 'arrow':
        case 'parquet':
          return readBinary(file, shown, opts, batchRows);
      }
    },
    close: cleanup,
  };
}

/** Reads a whole input into one store. */
export async function readColumns(opts: ReadOptions): Promise<ReadResult> {
  const input = await openInput(opts);
  try {
    let fields: Field[] = [];
    let whole: RowBatch | null = null;
    for await (const event of input.read(Infinity)) {
      if (event.kind === 'fields') fields = event.fields;
      else whole = event.batch;
    }
    const { store, positions } = whole ?? { store: new ColumnStore(fields), positions: [] };
    return { store, rowLabel: (r) => input.label(positions[r]!) };
  } finally {
    input.close();
  }
}

async function* readBinary(file: string, shown: string, opts: ReadOptions, batchRows: number): AsyncGenerator<InputEvent> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw fromIoError(e, shown);
  }
  const data = opts.format === 'arrow' ? decodeArrowIpc(bytes, shown) : await (await import('./parquet.js')).readParquet(bytes, shown);
  // Binary formats carry exact types; overrides may only restate them.
  const wanted = opts.schema ? new Map(opts.schema.map((f) => [f.name, f.type])) : opts.types;
  for (const [col, t] of wanted ?? []) {
    const f = data.fields.find((x) => x.name === col);
    if (!f) throw new FvError('UNKNOWN_COLUMN', `${shown}: column "${col}" given a type does not exist`);
    if (!sameType(f.type, t)) throw new FvError('TYPE_ERROR', `${shown}: column "${col}" is ${typeToString(f.type)} in the file, not ${typeToString(t)}`, { hint: 'type overrides apply to CSV and JSON input; Arrow and Parquet files keep their own types' });
  }
  if (opts.schema && (opts.schema.length !== data.fields.length || opts.schema.some((f, i) => f.name !== data.fields[i]!.name))) {
    throw new FvError('SCHEMA_MISMATCH', `${shown}: columns (${data.fields.map((f) => f.name).join(', ')}) do not match (${opts.schema.map((f) => f.name).join(', ')})`);
  }
  yield { kind: 'fields', fields: data.fields };
  // The decoded file is in memory already; batches only keep the typed copy small.
  for (let start = 0; start === 0 || start < data.rowCount; start += batchRows) {
    const end = Math.min(data.rowCount, start + batchRows);
    const whole = start === 0 && end === data.rowCount;
    const store = ColumnStore.fromTableData(whole ? data : { fields: data.fields, columns: data.columns.map((col) => col.slice(start, end)), rowCount: end - start });
    const positions = new Float64Array(end - start);
    for (let r = start; r < end; r++) positions[r - start] = r + 1;
    yield { kind: 'rows', batch: { store, positions } };
  }
}

/** Checks --schema against the file's columns and returns each column's fixed type (undefined: infer it). */
function fixedTypes(names: string[], opts: ReadOptions, shown: string): (FvType | undefined)[] {
  if (opts.schema) {
    const declared = opts.schema.map((f) => f.name);
    const missing = declared.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !declared.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new FvError('SCHEMA_MISMATCH', `${shown}: columns do not match the schema` + (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; not in the schema: ${extra.join(', ')}` : ''));
    }
    return names.map((n) => opts.schema!.find((f) => f.name === n)!.type);
  }
  for (const col of opts.types?.keys() ?? []) {
    if (!names.includes(col)) throw new FvError('UNKNOWN_COLUMN', `${shown}: column "${col}" given in --types does not exist`, { hint: `columns: ${names.join(', ')}` });
  }
  return names.map((n) => opts.types?.get(n));
}

/**
 * Rows whose cells are seen before the column types are first guessed. The
 * guess is only provisional: every later cell still goes through inference,
 * and the file is converted again if the types of the whole file differ.
 */
const SAMPLE_ROWS = 8192;

/** Records the CSV parser hands over at a time (its default). */
const PARSE_BATCH_ROWS = 8192;

/**
 * CSV/TSV in one pass when it can be: the types of the first SAMPLE_ROWS
 * rows are guessed, then every row is both converted under the guess and
 * fed to inference (in the same pass over its cells: csv-sinks.ts).
 * Inference over the whole file still decides the types (candidates only
 * ever drop out), so when a later cell contradicts the guess (a 1.5 in a
 * column of integers) the converted columns are thrown away and the file is
 * converted again under the final types. The common case parses the file
 * once instead of twice, about a fifth of the import.
 */
async function* readCsv(file: string, shown: string, opts: ReadOptions, batchRows: number): AsyncGenerator<InputEvent> {
  const delimiter = opts.format === 'tsv' ? 9 : 44;
  // Parsed batches no larger than the batches asked for, so that small ones (tests) are really small.
  // Each batch is given back once converted (the sample's once the guess is made): the parser refills its arrays.
  const recycler = new CsvBatchRecycler();
  const records = () => parseCsv(openSource(file, shown), { delimiter, fileName: shown, batchSize: Math.min(PARSE_BATCH_ROWS, batchRows), recycler });
  let header: string[] | null = null;
  let fixed: (FvType | undefined)[] = [];
  let inference: (TextInference | null)[] = [];
  let conversion: Conversion | null = null;
  const sample: CsvBatch[] = [];
  let sampled = 0;
  for await (const batch of records()) {
    let rows = batch;
    if (header === null) {
      header = batch.record(0).map((f) => f ?? '');
      fixed = fixedTypes(header, opts, shown);
      inference = fixed.map((t) => (t === undefined ? new TextInference() : null));
      rows = batch.slice(1);
      // Types all given: nothing to guess, and a bad cell is reported at once.
      if (inference.every((x) => x === null)) {
        conversion = new Conversion(header, fixed as FvType[], shown, true);
        yield fieldsOf(conversion);
      }
    }
    if (conversion === null) {
      inferBatch(inference, rows, 0);
      sample.push(rows);
      sampled += rows.length;
      if (sampled < SAMPLE_ROWS) continue;
      conversion = new Conversion(header, fixed.map((t, c) => t ?? inference[c]!.result()), shown, false, inference);
      yield fieldsOf(conversion);
      for (const b of sample.splice(0)) {
        conversion.add(b, true);
        recycler.release(b);
      }
    } else {
      conversion.add(rows); // also feeds inference, even once contradicted
      recycler.release(rows);
    }
    // Once contradicted, the conversion is dropped: nothing more is handed over.
    if (!conversion.contradicted && conversion.store.rowCount >= batchRows) yield rowsOf(conversion);
  }
  if (header === null) throw new FvError('BAD_INPUT', `${shown}: file is empty`);
  const types = fixed.map((t, c) => t ?? inference[c]!.result());
  if (conversion === null) {
    // A file shorter than the sample: its types are final already.
    conversion = new Conversion(header, types, shown, true);
    yield fieldsOf(conversion);
    for (const b of sample) conversion.add(b);
  }
  if (!conversion.contradicted && conversion.types.every((t, c) => sameType(t, types[c]!))) {
    yield rowsOf(conversion);
    return;
  }
  // The guess was wrong: convert again under the types of the whole file.
  // A cell that does not convert under them (a given type) is reported here.
  const again = new Conversion(header, types, shown, true);
  yield fieldsOf(again);
  let first = true;
  for await (const batch of records()) {
    again.add(first ? batch.slice(1) : batch);
    recycler.release(batch);
    first = false;
    if (again.store.rowCount >= batchRows) yield rowsOf(again);
  }
  yield rowsOf(again);
}

function fieldsOf(conversion: Conversion): InputEvent {
  return { kind: 'fields', fields: conversion.store.fields };
}

function rowsOf(conversion: Conversion): InputEvent {
  const { store, lines } = conversion.drain();
  return { kind: 'rows', batch: { store, positions: lines } };
}

async function* readJson(file: string, shown: string, opts: ReadOptions, batchRows: number): AsyncGenerator<InputEvent> {
  const records = () => parseJsonRecords(openSource(file, shown), { format: opts.format as 'json' | 'jsonl', fileName: shown });
  // Pass 1: column names in order of first appearance, and their types.
  const names: string[] = [];
  const index = new Map<string, number>();
  const inference: JsonInference[] = [];
  let rows = 0;
  for await (const batch of records()) {
    for (const rec of batch) {
      rows++;
      for (const [k, v] of rec.values) {
        let c = index.get(k);
        if (c === undefined) {
          c = names.length;
          index.set(k, c);
          names.push(k);
          inference.push(new JsonInference());
        }
        inference[c]!.add(v);
      }
    }
  }
  if (rows === 0 && !opts.schema) throw new FvError('BAD_INPUT', `${shown}: no records`);
  const columnNames = names.length === 0 && opts.schema ? opts.schema.map((f) => f.name) : names;
  const fixed = fixedTypes(columnNames, opts, shown);
  const types = fixed.map((t, c) => t ?? inference[c]!.result());
  const fields = columnNames.map((name, c) => ({ name, type: types[c]! }));
  yield { kind: 'fields', fields };
  // Pass 2: convert; a key missing from a record is null.
  let store = new ColumnStore(fields);
  let lines: number[] = [];
  const row: Value[] = new Array(columnNames.length);
  for await (const batch of records()) {
    for (const rec of batch) {
      for (let c = 0; c < columnNames.length; c++) {
        const cell: JsonCell = rec.values.get(columnNames[c]!) ?? null;
        try {
          row[c] = convertJson(cell, types[c]!);
        } catch (e) {
          throw typeError(e, shown, rec.line, columnNames[c]!);
        }
      }
      store.pushRow(row);
      lines.push(rec.line);
    }
    if (store.rowCount >= batchRows) {
      yield { kind: 'rows', batch: { store, positions: lines } };
      store = new ColumnStore(fields);
      lines = [];
    }
  }
  yield { kind: 'rows', batch: { store, positions: lines } };
}
