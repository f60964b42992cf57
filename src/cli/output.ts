/** Writing results: one JSON document for --json, text otherwise. */
import type { Json } from '../table/canonical-json.js';
import { canonicalJson } from '../table/canonical-json.js';
import type { TableData } from '../table/table-data.js';
import { valueToJson } from '../table/values.js';

export function printJson(value: Json): void {
  process.stdout.write(canonicalJson(value));
}

export function print(text: string): void {
  if (text.length > 0) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Progress and notes go to stderr so stdout stays clean for data and JSON. */
export function note(text: string): void {
  process.stderr.write(text + '\n');
}

export function rowsToJson(t: TableData): Json[] {
  const out: Json[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const o: Record<string, Json> = {};
    t.fields.forEach((f, i) => (o[f.name] = valueToJson(t.columns[i]![r]!, f.type)));
    out.push(o);
  }
  return out;
}
