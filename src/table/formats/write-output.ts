/**
 * Writes a table to a file or stdout in any output format. Text formats are
 * streamed part by part (one chunk at a time); Arrow and Parquet files are
 * assembled whole.
 */
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import { fromIoError } from '../../errors/FvError.js';
import { encodeArrowIpc } from '../arrow/arrow-codec.js';
import { compactJson } from '../canonical-json.js';
import type { Json } from '../canonical-json.js';
import type { TableData } from '../table-data.js';
import { concatTables } from '../table-data.js';
import type { Field, FvType, Value } from '../types.js';
import { formatValue, valueToJson } from '../values.js';
import type { OutputFormat } from './format.js';

function csvQuote(s: string, delimiter: string): string {
  if (s === '') return '""';
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r') ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** CSV/TSV text of some rows; null is an empty field, the empty string is `""`. */
export function csvLines(t: TableData, delimiter: string, withHeader: boolean): string {
  const out: string[] = [];
  if (withHeader) out.push(t.fields.map((f) => csvQuote(f.name, delimiter)).join(delimiter));
  for (let r = 0; r < t.rowCount; r++) {
    out.push(t.fields.map((f, i) => {
      const v = t.columns[i]![r]!;
      return v === null ? '' : csvQuote(formatValue(v, f.type), delimiter);
    }).join(delimiter));
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

export function rowToJson(t: TableData, r: number): Json {
  const o: Record<string, Json> = {};
  t.fields.forEach((f, i) => (o[f.name] = valueToJson(t.columns[i]![r]!, f.type)));
  return o;
}

/**
 * JSON text of one value for JSON/JSON Lines export. Finite floats are
 * written in their text form (`2.0`, `-0.0`, `1e+300`: valid JSON number
 * literals) rather than as JS numbers (`2`, `0`), which would read back as
 * int64 or lose the sign of zero: an exported float column must import
 * again as the same float64 values.
 */
function exportJson(v: Value, t: FvType): string {
  if (typeof v === 'number' && Number.isFinite(v) && (t.kind === 'float64' || t.kind === 'float32')) return formatValue(v, t);
  return compactJson(valueToJson(v, t));
}

/** JSON object text with keys in column order (compactJson would sort them). */
function jsonObjectInOrder(t: TableData, r: number): string {
  return '{' + t.fields.map((f, i) => JSON.stringify(f.name) + ':' + exportJson(t.columns[i]![r]!, f.type)).join(',') + '}';
}

async function write(out: Writable, text: string | Uint8Array): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}

/** Writes `parts` (the table, in order) to `out` ("-" or a path) in `format`. */
export async function writeOutput(fields: Field[], parts: AsyncIterable<TableData>, format: OutputFormat, out: string): Promise<void> {
  const stream: Writable = out === '-' ? process.stdout : fs.createWriteStream(out);
  const done = out === '-' ? Promise.resolve() : new Promise<void>((resolve, reject) => {
    stream.on('finish', () => resolve());
    stream.on('error', reject);
  });
  try {
    if (format === 'arrow' || format === 'parquet') {
      const all: TableData[] = [];
      for await (const p of parts) all.push(p);
      const t = concatTables(fields, all);
      await write(stream, format === 'arrow' ? encodeArrowIpc(t, { format: 'file' }) : await (await import('./parquet.js')).writeParquet(t));
    } else if (format === 'json') {
      let first = true;
      await write(stream, '[');
      for await (const p of parts) {
        for (let r = 0; r < p.rowCount; r++) {
          await write(stream, (first ? '\n' : ',\n') + jsonObjectInOrder(p, r));
          first = false;
        }
      }
      await write(stream, first ? ']\n' : '\n]\n');
    } else if (format === 'jsonl') {
      for await (const p of parts) {
        const lines: string[] = [];
        for (let r = 0; r < p.rowCount; r++) lines.push(jsonObjectInOrder(p, r));
        if (lines.length > 0) await write(stream, lines.join('\n') + '\n');
      }
    } else {
      const delimiter = format === 'tsv' ? '\t' : ',';
      await write(stream, csvLines({ fields, columns: fields.map(() => []), rowCount: 0 }, delimiter, true));
      for await (const p of parts) await write(stream, csvLines(p, delimiter, false));
    }
  } catch (e) {
    if (out !== '-') stream.destroy();
    throw fromIoError(e, `writing ${out === '-' ? 'output' : out}`);
  }
  if (out !== '-') stream.end();
  await done.catch((e: unknown) => {
    throw fromIoError(e, `writing ${out}`);
  });
}
