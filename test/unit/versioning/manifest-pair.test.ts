/**
 * Manifests read for a diff (manifest-pair.ts): unpatched versions come
 * back with exactly the chunk entries the other side lacks, and anything
 * else is decoded whole, as decodeManifest decodes it.
 */
import { describe, expect, it } from 'vitest';
import { ColumnStore } from '../../../src/table/column-store.js';
import type { TableManifest } from '../../../src/table/manifest.js';
import { decodeManifest, encodeManifest } from '../../../src/table/manifest.js';
import { writeTableVersion } from '../../../src/table/patch/patch-writer.js';
import { keyIndexes, sortOrderByKey } from '../../../src/table/sort.js';
import { writeTable } from '../../../src/table/table-writer.js';
import type { Field, Value } from '../../../src/table/types.js';
import { decodeManifestPair } from '../../../src/versioning/diff/manifest-pair.js';
import { MemoryBlobs } from '../../helpers/memory-blobs.js';

const FIELDS: Field[] = [
  { name: 'id', type: { kind: 'int64' } },
  // Text with JSON escapes and newlines, which show up in the chunk statistics.
  { name: 'note', type: { kind: 'utf8' } },
];
const SCHEMA = { fields: FIELDS, key: ['id'], time: null };
const CHUNKING = { mask_bits: 3, min_rows: 4, max_rows: 16 };

function store(rows: Value[][]): { s: ColumnStore; order: Uint32Array } {
  const s = ColumnStore.fromTableData({ fields: FIELDS, columns: FIELDS.map((_, c) => rows.map((r) => r[c]!)), rowCount: rows.length });
  return { s, order: sortOrderByKey(s, keyIndexes(FIELDS, ['id'], 't'), (r) => `row ${r}`) };
}

async function whole(blobs: MemoryBlobs, rows: Value[][]): Promise<TableManifest> {
  const { s, order } = store(rows);
  return writeTable(s, order, SCHEMA, blobs, CHUNKING);
}

const rowsFrom = (n: number, tag: string): Value[][] => Array.from({ length: n }, (_, i) => [BigInt(i), `"${tag}"\n\\ ${i} \u{1f389}`]);

describe('manifests read for a diff', () => {
  it('gives unpatched versions only the chunks the other side lacks, with every other member as decoded whole', async () => {
    const blobs = new MemoryBlobs();
    const v1 = rowsFrom(200, 'a');
    const v2 = v1.map((r, i) => (i >= 90 && i < 100 ? [r[0]!, `changed ${i}`] : r)).concat(rowsFrom(230, 'b').slice(200));
    const m1 = await whole(blobs, v1);
    const m2 = await whole(blobs, v2);
    const [b, a] = decodeManifestPair(encodeManifest(m1), encodeManifest(m2), 'table t');
    const full1 = decodeManifest(encodeManifest(m1), 'x');
    const full2 = decodeManifest(encodeManifest(m2), 'x');
    const ids2 = new Set(full2.chunks.map((c) => c.oid));
    const ids1 = new Set(full1.chunks.map((c) => c.oid));
    expect(b).toEqual({ ...full1, chunks: full1.chunks.filter((c) => !ids2.has(c.oid)) });
    expect(a).toEqual({ ...full2, chunks: full2.chunks.filter((c) => !ids1.has(c.oid)) });
    // The change is clustered: most chunks are shared and skipped.
    expect(b.chunks.length).toBeGreaterThan(0);
    expect(b.chunks.length).toBeLessThan(full1.chunks.length / 2);
    // A single-chunk table, and a table with no chunks at all.
    const one = await whole(blobs, rowsFrom(3, 'c'));
    const none = await whole(blobs, []);
    expect(decodeManifestPair(encodeManifest(one), encodeManifest(m1), 't')).toEqual([decodeManifest(encodeManifest(one), 't'), full1]);
    expect(decodeManifestPair(encodeManifest(none), encodeManifest(m1), 't')).toEqual([decodeManifest(encodeManifest(none), 't'), full1]);
  });

  it('decodes whole what is patched or not laid out as canonicalJson lays it out', async () => {
    const blobs = new MemoryBlobs();
    // Patches are written over bases of at least MIN_PATCH_BASE_ROWS rows.
    const m1 = await whole(blobs, rowsFrom(2000, 'a'));
    const { s, order } = store(rowsFrom(2000, 'a').map((r, i) => (i === 7 ? [r[0]!, 'patched'] : r)));
    const patched = await writeTableVersion(s, order, SCHEMA, blobs, m1, m1.chunking);
    expect(patched.patch).toBeDefined();
    const m1Bytes = encodeManifest(m1);
    const d1 = decodeManifest(m1Bytes, 't');
    expect(decodeManifestPair(m1Bytes, encodeManifest(patched), 't')).toEqual([d1, decodeManifest(encodeManifest(patched), 't')]);
    // The same manifest in other layouts (compact, or indented by tabs) reads the same, whole.
    for (const text of [JSON.stringify(m1), JSON.stringify(m1, null, '\t')]) {
      expect(decodeManifestPair(Buffer.from(text), m1Bytes, 't')).toEqual([d1, d1]);
      expect(decodeManifestPair(m1Bytes, Buffer.from(text), 't')).toEqual([d1, d1]);
    }
    // A damaged manifest is reported as decodeManifest reports it.
    expect(() => decodeManifestPair(m1Bytes.subarray(0, 1000), m1Bytes, 't')).toThrow(/not valid JSON/);
  });
});
