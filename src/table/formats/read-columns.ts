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
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FvError, fromIoError } from '../../errors/FvError.js';
import { decodeArrowIpc } from '../arrow/arrow-codec.js';
import { ColumnStore } from '../column-store.js';
import { convertJson, JsonInference, TextInference } from '../infer.js';
import type { JsonCell } from '../infer.js';
import type { Field, FvType, Value } from '../types.js';
import { sameType, typeToString } from '../types.js';
import { parseCsv } from './csv-parser.js';
import type { CsvBatch } from './csv-parser.js';
import { Conversion, inferBatch, typeError } from './csv-convert.js';
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fv-stdin-'));
  const file = path.join(dir, 'input');
  try {
    await pipeline(process.stdin, fs.createWriteStream(file));
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw fromIoError(e, 'reading <stdin>');
  }
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function readColumns(opts: ReadOptions): Promise<ReadResult> {
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
    switch (opts.format) {
      case 'csv':
      case 'tsv':
        return await readCsv(file, shown, opts);
      case 'jsonl':
      case 'json':
        return await readJson(file, shown, opts);
      case 'arrow':
      case 'parquet':
        return await readBinary(file, shown, opts);
    }
  } finally {
    cleanup();
  }
}

async function readBinary(file: string, shown: string, opts: ReadOptions): Promise<ReadResult> {
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
  return { store: ColumnStore.fromTableData(data), rowLabel: (r) => `${shown} row ${r + 1}` };
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

/**
 * CSV/TSV in one pass when it can be: the types of the first SAMPLE_ROWS
 * rows are guessed, then every row is both converted under the guess and
 * fed to inference. Inference over the whole file still decides the types
 * (candidates only ever drop out), so when a later cell contradicts the
 * guess (a 1.5 in a column of integers) the converted columns are thrown
 * away and the file is converted again under the final types. The common
 * case parses the file once instead of twice, about a fifth of the import.
 */
async function readCsv(file: string, shown: string, opts: ReadOptions): Promise<ReadResult> {
  const delimiter = opts.format === 'tsv' ? 9 : 44;
  const records = () => parseCsv(openSource(file, shown), { delimiter, fileName: shown });
  let header: string[] | null = null;
  let fixed: (FvType | undefined)[] = [];
  let inference: (TextInference | null)[] = [];
  let conversion: Conversion | null = null;
  const sample: CsvBatch[] = [];
  let sampled = 0;
  const infer = (batch: CsvBatch, start: number): void => inferBatch(inference, batch, start);
  for await (const batch of records()) {
    let start = 0;
    if (header === null) {
      header = batch.record(0).map((f) => f ?? '');
      fixed = fixedTypes(header, opts, shown);
      inference = fixed.map((t) => (t === undefined ? new TextInference() : null));
      start = 1;
      // Types all given: nothing to guess, and a bad cell is reported at once.
      if (inference.every((x) => x === null)) conversion = new Conversion(header, fixed as FvType[], shown, true);
    }
    infer(batch, start);
    if (conversion === null) {
      sample.push(start === 0 ? batch : batch.slice(start));
      sampled += batch.length - start;
      if (sampled < SAMPLE_ROWS) continue;
      conversion = new Conversion(header, fixed.map((t, c) => t ?? inference[c]!.result()), shown, false);
      for (const b of sample.splice(0)) conversion.add(b);
      continue;
    }
    conversion.add(start === 0 ? batch : batch.slice(start));
  }
  if (header === null) throw new FvError('BAD_INPUT', `${shown}: file is empty`);
  const types = fixed.map((t, c) => t ?? inference[c]!.result());
  if (conversion === null) {
    // A file shorter than the sample: its types are final already.
    conversion = new Conversion(header, types, shown, true);
    for (const b of sample) conversion.add(b);
  }
  if (!conversion.contradicted && conversion.types.every((t, c) => sameType(t, types[c]!))) return conversion.result();
  // The guess was wrong: convert again under the types of the whole file.
  // A cell that does not convert under them (a given type) is reported here.
  const again = new Conversion(header, types, shown, true);
  let first = true;
  for await (const batch of records()) {
    again.add(first ? batch.slice(1) : batch);
    first = false;
  }
  return again.result();
}

async function readJson(file: string, shown: string, opts: ReadOptions): Promise<ReadResult> {
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
  const store = new ColumnStore(columnNames.map((name, c) => ({ name, type: types[c]! })));
  // Pass 2: convert; a key missing from a record is null.
  const lines: number[] = [];
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
  }
  return { store, rowLabel: (r) => `${shown}:${lines[r]}` };
}
