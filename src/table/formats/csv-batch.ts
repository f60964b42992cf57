/**
 * Parsed CSV records as the parser hands them over (csv-parser.ts): the
 * records' bytes plus each field's byte range and kind, so that cells are
 * converted and inferred from the bytes with no string per cell; and the
 * recycler through which a reader gives batches back for their arrays to
 * be filled again.
 */

/** How a field's bytes give its value. */
export const FIELD_PLAIN = 0; // the bytes are the text (unquoted, or quoted without `""`)
export const FIELD_ESCAPED = 1; // quoted with `""` inside: the text is the bytes with each `""` made `"`
export const FIELD_NULL = 2; // an unquoted empty field

// Keeps a U+FEFF at the start of a field: only the file's first BOM is dropped (withoutBom).
const TEXT = new TextDecoder('utf-8', { ignoreBOM: true });

/** The text of a plain or escaped field whose bytes are bytes[a, b). */
export function fieldText(bytes: Uint8Array, a: number, b: number, kind: number): string {
  const s = TEXT.decode(bytes.subarray(a, b));
  return kind === FIELD_ESCAPED ? s.replaceAll('""', '"') : s;
}

/**
 * Records of a CSV file: their UTF-8 bytes and, for field f = row * width +
 * column, its byte range [starts[f], ends[f]) in `bytes` and its kind
 * (FIELD_*). Row r starts on physical line lines[r] of the file.
 */
export class CsvBatch {
  constructor(
    readonly bytes: Uint8Array,
    readonly starts: Int32Array,
    readonly ends: Int32Array,
    readonly kinds: Uint8Array,
    readonly lines: Int32Array,
    /** Number of records. */
    readonly length: number,
    /** Fields per record. */
    readonly width: number,
  ) {}

  /** The records from `from` on (a view: nothing is copied). */
  slice(from: number): CsvBatch {
    const f = from * this.width;
    return new CsvBatch(this.bytes, this.starts.subarray(f), this.ends.subarray(f), this.kinds.subarray(f), this.lines.subarray(from), this.length - from, this.width);
  }

  /** Field f's text (null for an unquoted empty field). */
  text(f: number): string | null {
    const kind = this.kinds[f]!;
    return kind === FIELD_NULL ? null : fieldText(this.bytes, this.starts[f]!, this.ends[f]!, kind);
  }

  /** Record r's fields as text. */
  record(r: number): (string | null)[] {
    const out = new Array<string | null>(this.width);
    for (let c = 0; c < this.width; c++) out[c] = this.text(r * this.width + c);
    return out;
  }
}

/**
 * Batches a caller is done with, whose arrays the parser fills again: a
 * fresh set per batch (about 2 MB for 8192 records of 12 fields) was
 * allocated, zeroed and collected 120 times over for a 1M-row file.
 */
export class CsvBatchRecycler {
  private readonly free: CsvBatch[] = [];

  /** `batch` (or a slice of it: the arrays are the same) will not be read again. Give each batch back once. */
  release(batch: CsvBatch): void {
    this.free.push(batch);
  }

  /** A released batch's whole arrays, or undefined. */
  reuse(): { bytes: Uint8Array; starts: Int32Array; ends: Int32Array; kinds: Uint8Array; lines: Int32Array } | undefined {
    const b = this.free.pop();
    if (b === undefined) return undefined;
    return { bytes: new Uint8Array(b.bytes.buffer), starts: new Int32Array(b.starts.buffer), ends: new Int32Array(b.ends.buffer), kinds: new Uint8Array(b.kinds.buffer), lines: new Int32Array(b.lines.buffer) };
  }
}
