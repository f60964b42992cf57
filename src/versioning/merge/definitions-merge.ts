/**
 * Three-way merge of the definitions (features.json) as JSON, key by key:
 * objects merge recursively; any other value changed on one side takes that
 * change; changed on both sides to different values is a conflict at that
 * JSON path (the merged result keeps ours unless the chooser picks theirs).
 * A key deleted on one side and unchanged on the other is deleted.
 */
import type { Json } from '../../table/canonical-json.js';
import type { Chooser, MergeConflict } from './conflict.js';
import { makeConflict } from './conflict.js';

export const DEFINITIONS_TABLE = 'features.json';

type J = unknown;

function isObject(v: J): v is Record<string, J> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function jsonEq(a: J, b: J): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: J): J {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** Merges parsed JSON values (undefined = absent). Returns the merged value (undefined = absent). */
export function mergeJson(base: J, ours: J, theirs: J, choose: Chooser, conflicts: MergeConflict[], path: string[] = []): J {
  if (jsonEq(ours, theirs)) return ours;
  if (jsonEq(base, ours)) return theirs;
  if (jsonEq(base, theirs)) return ours;
  if (isObject(ours) && isObject(theirs) && (base === undefined || isObject(base))) {
    const b = (base ?? {}) as Record<string, J>;
    const out: Record<string, J> = {};
    const keys = [...Object.keys(ours), ...Object.keys(theirs).filter((k) => !(k in ours))];
    for (const k of keys) {
      const v = mergeJson(b[k], ours[k], theirs[k], choose, conflicts, [...path, k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  const c = makeConflict({
    table: DEFINITIONS_TABLE, kind: 'definitions', key: path, keyText: [path.join('.')], column: null,
    base: (base ?? null) as Json, ours: (ours ?? null) as Json, theirs: (theirs ?? null) as Json,
  }, choose);
  conflicts.push(c);
  return c.resolved === 'theirs' ? theirs : ours;
}

/**
 * Merges three versions of the definitions file (bytes, or null when absent).
 * Returns the merged file's bytes (null: no file) and the conflicts.
 */
export function mergeDefinitions(base: Uint8Array | null, ours: Uint8Array | null, theirs: Uint8Array | null, choose: Chooser): { bytes: Uint8Array | null; conflicts: MergeConflict[] } {
  const parse = (b: Uint8Array | null): J => {
    if (b === null) return undefined;
    try {
      return JSON.parse(Buffer.from(b).toString('utf8')) as J;
    } catch {
      // Not JSON: merged as one opaque value (its text).
      return Buffer.from(b).toString('utf8');
    }
  };
  const conflicts: MergeConflict[] = [];
  const merged = mergeJson(parse(base), parse(ours), parse(theirs), choose, conflicts);
  if (merged === undefined) return { bytes: null, conflicts };
  if (typeof merged === 'string' && !jsonEq(parse(ours), undefined) && typeof parse(ours) === 'string') return { bytes: Buffer.from(merged, 'utf8'), conflicts };
  return { bytes: Buffer.from(JSON.stringify(merged, null, 2) + '\n', 'utf8'), conflicts };
}
