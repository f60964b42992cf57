/**
 * Two versions of a table's manifest, read for a diff without parsing the
 * chunk entries they share.
 *
 * A 1M-row table's manifest is ~4.5 MB of JSON, almost all of it its ~3000
 * chunk entries with per-column statistics; parsing two of them was a
 * third of a clustered diff, which then reads only the ~1% of chunks the
 * versions do not share. Manifests are written by canonicalJson (2-space
 * indent, keys sorted, no raw newline inside a string), so in their text
 * the chunk list opens with `\n  "chunks": [`, closes at the next `\n  ]`,
 * its entries are separated by `\n    },\n` and each names its id on a line
 * `\n      "oid": "<40 hex>"`. A chunk whose id is on both sides holds the
 * same rows on both and is never read, so only the other entries are
 * parsed. Anything not laid out that way, and patched manifests (whose
 * diff reads the base chunks too), are decoded whole.
 */
import type { ChunkRef, TableManifest } from '../../table/manifest.js';
import { decodeManifest } from '../../table/manifest.js';

const LIST_OPEN = '\n  "chunks": [';
const LIST_CLOSE = '\n  ]';
const ENTRY_SEPARATOR = '\n    },\n';
const OID_LINE = '\n      "oid": "';
const OID = /^[0-9a-f]{40}"/;

interface SplitManifest {
  /** The manifest with an empty chunk list. */
  head: TableManifest;
  /** Each chunk entry's text (the last one closed, the others not), with its id. */
  entries: { oid: string; text: string }[];
}

/** The manifest split into its head and its chunk entries' texts, or null when its text is not laid out as canonicalJson lays it out. */
function split(text: string, where: string): SplitManifest | null {
  const open = text.indexOf(LIST_OPEN);
  if (open < 0 || text[open + LIST_OPEN.length] !== '\n') return null; // absent, or an empty list ("[]")
  const close = text.indexOf(LIST_CLOSE, open + LIST_OPEN.length);
  if (close < 0) return null;
  let head: TableManifest;
  try {
    head = decodeManifest(Buffer.from(text.slice(0, open + LIST_OPEN.length - 1) + '[]' + text.slice(close + LIST_CLOSE.length)), where);
  } catch {
    return null; // decoded whole instead, which names what is wrong
  }
  const entries: SplitManifest['entries'] = [];
  for (const entry of text.slice(open + LIST_OPEN.length, close).split(ENTRY_SEPARATOR)) {
    const at = entry.indexOf(OID_LINE);
    const oid = at < 0 ? null : entry.slice(at + OID_LINE.length, at + OID_LINE.length + 41);
    if (oid === null || !OID.test(oid)) return null;
    entries.push({ oid: oid.slice(0, 40), text: entry });
  }
  return { head, entries };
}

/** The entries whose chunk the other side lacks, parsed, in order; null when one does not read back as its chunk. */
function unshared(side: SplitManifest, other: SplitManifest): ChunkRef[] | null {
  const theirs = new Set(other.entries.map((e) => e.oid));
  const last = side.entries.length - 1;
  const refs: ChunkRef[] = [];
  for (let i = 0; i <= last; i++) {
    const e = side.entries[i]!;
    if (theirs.has(e.oid)) continue;
    let ref: ChunkRef;
    try {
      // Every entry but the last lost its closing brace to the separator.
      ref = JSON.parse(i === last ? e.text : e.text + '\n    }') as ChunkRef;
    } catch {
      return null;
    }
    if (ref === null || typeof ref !== 'object' || ref.oid !== e.oid || typeof ref.rows !== 'number') return null;
    refs.push(ref);
  }
  return refs;
}

/**
 * Both manifests for a diff. When both are unpatched, each comes back
 * with only the chunks the other side lacks: the diff of two
 * unpatched versions compares exactly those and no others. Otherwise, or
 * when either text is laid out in an unexpected way, both are decoded
 * whole (which also reports a damaged manifest precisely).
 */
export function decodeManifestPair(before: Uint8Array, after: Uint8Array, where: string): [TableManifest, TableManifest] {
  const textOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  const sb = split(textOf(before), where);
  const sa = sb && split(textOf(after), where);
  if (sb !== null && sa !== null && sb.head.patch === undefined && sa.head.patch === undefined) {
    const cb = unshared(sb, sa);
    const ca = cb && unshared(sa, sb);
    if (cb !== null && ca !== null) return [{ ...sb.head, chunks: cb }, { ...sa.head, chunks: ca }];
  }
  return [decodeManifest(before, where), decodeManifest(after, where)];
}
