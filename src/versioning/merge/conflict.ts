/**
 * Merge conflicts, as the pure merge functions report them and as
 * `.git/fv/merge.json` stores them (docs/FORMAT.md section 5).
 *
 * Every conflict carries the values of the three sides in their JSON form
 * (the same form `fv diff --json` uses) and how it was resolved, if it was.
 * A conflict is identified by (table, key text, column, kind), so a merge
 * computed again with the same inputs finds the same conflicts and the
 * recorded choices apply to them.
 */
import type { Json } from '../../table/canonical-json.js';

export type Side = 'ours' | 'theirs';

/**
 * cell: one cell changed differently on both sides (or a row inserted on
 *   both sides with different values in that column);
 * row: a row deleted on one side and modified on the other;
 * table: a table deleted on one side and modified on the other;
 * schema: a column added with different types, retyped against a change, or
 *   a different key / time column: the table cannot be merged row by row and
 *   is resolved whole, taking one side's table;
 * definitions: a key of features.json changed differently on both sides.
 */
export type ConflictKind = 'cell' | 'row' | 'table' | 'schema' | 'definitions';

export interface MergeConflict {
  table: string;
  kind: ConflictKind;
  /** Key values in JSON form; [] for table and schema conflicts; the JSON path for definitions. */
  key: Json[];
  /** Key values in text form (what `fv resolve --key` matches), comma-joined when shown. */
  keyText: string[];
  column: string | null;
  base: Json;
  ours: Json;
  theirs: Json;
  /** How the conflict was resolved (by --strategy or `fv resolve`), or null while open. */
  resolved: Side | null;
}

/** Decides a conflict: a side, or null to leave it open (the merged result then holds ours). */
export type Chooser = (c: Omit<MergeConflict, 'resolved'>) => Side | null;

export function conflictId(c: Pick<MergeConflict, 'table' | 'kind' | 'keyText' | 'column'>): string {
  return [c.table, c.kind, c.column ?? '', ...c.keyText].join('\u0000');
}

/** Builds a conflict and resolves it with `choose`. */
export function makeConflict(c: Omit<MergeConflict, 'resolved'>, choose: Chooser): MergeConflict {
  return { ...c, resolved: choose(c) };
}
