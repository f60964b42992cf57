/**
 * A stored chunk's columns as typed Arrow data, without a JS value per cell.
 *
 * Only chunks in the layout fv's own encoder writes are read here: an IPC
 * file with one record batch whose columns have exactly the Arrow types of
 * the manifest's fields (no dictionaries, views or 64-bit offsets for utf8),
 * with buffers long enough and text that is valid UTF-8 value by value.
 * Anything else gives null and the caller decodes the chunk the general way
 * (decodeArrowIpc), which also produces the precise error for a damaged
 * chunk. Structure is verified (arrow-ipc-verify.ts) before apache-arrow
 * reads anything, as in decodeArrowIpc.
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import type { Field } from '../types.js';
import { sameType } from '../types.js';
import { hasMagicAt, verifyFile } from './arrow-ipc-verify.js';
import { arrowTypeToFv, fvTypeToArrow } from './arrow-types.js';

const isContinuationByte = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** Offsets ascend within the data, and every value is valid UTF-8 on its own (as the strict per-value decoder requires). */
function varColumnSound(d: arrow.Data, n: number, text: boolean): boolean {
  const offsets = d.valueOffsets as Int32Array;
  const data = d.values as Uint8Array;
  if (!(offsets instanceof Int32Array) || offsets.length < n + 1 || offsets[0]! < 0 || offsets[n]! > data.length) return false;
  for (let i = 0; i < n; i++) if (offsets[i]! > offsets[i + 1]!) return false;
  if (!text) return true;
  if (!isUtf8(data.subarray(offsets[0]!, offsets[n]!))) return false;
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    if (start !== end && (isContinuationByte(data[start]) || isContinuationByte(data[end]))) return false;
  }
  return true;
}

function columnSound(field: Field, d: arrow.Data, n: number): boolean {
  if (d.length !== n || d.offset !== 0) return false;
  if (d.nullCount > 0 && !((d.nullBitmap as Uint8Array | undefined)?.length! * 8 >= n)) return false;
  switch (field.type.kind) {
    case 'bool':
      return (d.values as Uint8Array).length * 8 >= n;
    case 'utf8':
    case 'binary':
      return varColumnSound(d, n, field.type.kind === 'utf8');
    case 'large_utf8':
      return false; // 64-bit offsets: rare; the general decoder handles them
    default: {
      return (d.values as ArrayLike<number>).length >= n * (field.type.kind === 'decimal' ? 4 : 1);
    }
  }
}

/** The chunk's columns (offset 0, `rows` long, of `fields`' Arrow types), or null when it is not in fv's own layout. */
export function readChunkColumns(bytes: Uint8Array, fields: Field[], rows: number): arrow.Data[] | null {
  try {
    const input = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    if (!hasMagicAt(input, 0)) return null;
    const shape = verifyFile(input);
    if (shape.recordBatches !== 1 || !shape.lengthsConsistent) return null;
    const reader = arrow.RecordBatchReader.from(input);
    reader.open();
    const schema = reader.schema as arrow.Schema | null;
    if (!schema || !reader.isFile() || schema.fields.length !== fields.length) return null;
    for (let i = 0; i < fields.length; i++) {
      const f = schema.fields[i]!;
      const want = fields[i]!;
      if (f.name !== want.name || f.type.typeId !== fvTypeToArrow(want.type).typeId || !sameType(arrowTypeToFv(f.type, f.name), want.type)) return null;
    }
    const batch = reader.readRecordBatch(0) as arrow.RecordBatch | null;
    if (!batch || batch.numRows !== rows) return null;
    const columns = batch.data.children as arrow.Data[];
    if (columns.length !== fields.length) return null;
    for (let i = 0; i < fields.length; i++) if (!columnSound(fields[i]!, columns[i]!, rows)) return null;
    return columns;
  } catch {
    // Damaged or unusual: the general decoder reports it precisely.
    return null;
  }
}
