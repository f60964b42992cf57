/**
 * Feeds the cells of parsed CSV batches to type inference, from their bytes.
 * Used on its own while the types are being guessed (the first rows) and
 * after a guess was contradicted; in between, the column sinks feed
 * inference themselves as they convert (csv-sinks.ts).
 */
import type { TextInference } from '../infer.js';
import { FIELD_NULL, FIELD_PLAIN } from './csv-batch.js';
import type { CsvBatch } from './csv-batch.js';

/** Feeds field f of a batch to inference (a null cell does not vote). */
export function inferCell(inf: TextInference, batch: CsvBatch, f: number): void {
  const kind = batch.kinds[f]!;
  if (kind === FIELD_PLAIN) inf.addBytes(batch.bytes, batch.starts[f]!, batch.ends[f]!);
  else if (kind !== FIELD_NULL) inf.add(batch.text(f));
}

/** Feeds column c of a batch, from row `start` on, to its inference. */
export function inferColumn(inf: TextInference, batch: CsvBatch, c: number, start: number): void {
  const { bytes, starts, ends, kinds, width } = batch;
  for (let f = start * width + c; f < kinds.length && !inf.done; f += width) {
    const kind = kinds[f]!;
    if (kind === FIELD_PLAIN) inf.addBytes(bytes, starts[f]!, ends[f]!);
    else if (kind !== FIELD_NULL) inf.add(batch.text(f));
  }
}

/** Feeds rows `start..` of a batch to the inference of each column (null: the column's type is given). */
export function inferBatch(inference: readonly (TextInference | null)[], batch: CsvBatch, start: number): void {
  for (let c = 0; c < inference.length; c++) {
    const inf = inference[c];
    if (inf) inferColumn(inf, batch, c, start);
  }
}
