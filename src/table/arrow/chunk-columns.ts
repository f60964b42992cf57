/**
 * A stored chunk's columns as typed Arrow data, without a JS value per cell:
 * the buffers chunk-buffers.ts reads from a chunk in fv's own layout,
 * wrapped as arrow.Data views (null when the chunk is not in that layout;
 * the caller then decodes it the general way, decodeArrowIpc).
 */
import * as arrow from 'apache-arrow';
import type { Field } from '../types.js';
import { fvTypeToArrow } from './arrow-types.js';
import type { ChunkColumn, FixedValues } from './chunk-buffers.js';
import { readChunkBuffers } from './chunk-buffers.js';

/** The chunk's columns (offset 0, `rows` long, of `fields`' Arrow types), or null when it is not in fv's own layout. */
export function readChunkColumns(bytes: Uint8Array, fields: Field[], rows: number): arrow.Data[] | null {
  const buffers = readChunkBuffers(bytes, fields, rows);
  return buffers === null ? null : arrowColumns(fields, buffers, rows);
}

/** Column buffers of `fields` as arrow.Data views. */
export function arrowColumns(fields: Field[], buffers: ChunkColumn[], rows: number): arrow.Data[] {
  return buffers.map((c, i) => {
    const base = { length: rows, nullCount: c.nullCount, nullBitmap: c.validity ?? undefined };
    const type = fvTypeToArrow(fields[i]!.type);
    if (c.offsets !== null) return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: c.offsets, data: c.values as Uint8Array });
    return arrow.makeData({ ...base, type: type as arrow.Int, data: c.values as Int32Array });
  });
}

/** A typed Arrow column (offset 0) as the buffers a ChunkColumn names: the form of a chunk decoded the general way. */
export function chunkColumnOf(d: arrow.Data): ChunkColumn {
  const offsets = d.valueOffsets as Int32Array | BigInt64Array | undefined;
  return {
    nullCount: d.nullCount,
    validity: d.nullCount > 0 ? (d.nullBitmap as Uint8Array) : null,
    // A chunk's text fits 32-bit offsets even when its type allows 64.
    offsets: offsets === undefined ? null : offsets instanceof BigInt64Array ? Int32Array.from(offsets, Number) : offsets,
    values: d.values as FixedValues,
  };
}
