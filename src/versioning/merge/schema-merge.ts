/**
 * Three-way merge of a table's schema (fields, key, time column).
 * A field added, removed or retyped on one side only takes that change; the
 * same change on both sides is clean; different changes to one field are a
 * schema conflict. Column order: ours, then columns only theirs added.
 */
import type { TableSchema } from '../../table/manifest.js';
import type { Field } from '../../table/types.js';
import { typeToString } from '../../table/types.js';

export interface SchemaMerge {
  schema: TableSchema;
  /** Columns whose type one side changed (the other left it as in base): which side. */
  retypedBy: Map<string, 'ours' | 'theirs'>;
  /** Fields that cannot be merged: [column or null for key/time, base, ours, theirs] as text. */
  conflicts: { column: string | null; base: string | null; ours: string | null; theirs: string | null }[];
}

const typeOf = (s: TableSchema | null, name: string): string | null => {
  const f = s?.fields.find((x) => x.name === name);
  return f ? typeToString(f.type) : null;
};

export function mergeSchemas(base: TableSchema | null, ours: TableSchema, theirs: TableSchema): SchemaMerge {
  const conflicts: SchemaMerge['conflicts'] = [];
  const retypedBy = new Map<string, 'ours' | 'theirs'>();
  const ko = ours.key.join(','), kt = theirs.key.join(',');
  if (ko !== kt) conflicts.push({ column: null, base: base ? base.key.join(',') : null, ours: ko, theirs: kt });
  let time = ours.time;
  if (ours.time !== theirs.time) {
    if (base && ours.time === base.time) time = theirs.time;
    else if (!(base && theirs.time === base.time)) conflicts.push({ column: null, base: base?.time ?? null, ours: ours.time, theirs: theirs.time });
  }
  const names: string[] = [];
  for (const f of [...ours.fields, ...theirs.fields, ...(base?.fields ?? [])]) if (!names.includes(f.name)) names.push(f.name);
  const pick = new Map<string, Field | null>();
  for (const name of names) {
    const tb = typeOf(base, name), to = typeOf(ours, name), tt = typeOf(theirs, name);
    const fo = ours.fields.find((f) => f.name === name) ?? null;
    const ft = theirs.fields.find((f) => f.name === name) ?? null;
    if (to === tt) pick.set(name, fo);
    else if (to === tb) {
      pick.set(name, ft);
      if (tb !== null && tt !== null) retypedBy.set(name, 'theirs');
    } else if (tt === tb) {
      pick.set(name, fo);
      if (tb !== null && to !== null) retypedBy.set(name, 'ours');
    } else {
      conflicts.push({ column: name, base: tb, ours: to, theirs: tt });
      pick.set(name, fo);
    }
  }
  // Ours' column order, then the columns only theirs has, in theirs' order.
  const order = [...ours.fields.map((f) => f.name), ...theirs.fields.map((f) => f.name).filter((n) => !ours.fields.some((f) => f.name === n))];
  const fields = order.map((n) => pick.get(n)).filter((f): f is Field => f !== null && f !== undefined);
  return { schema: { fields, key: ours.key, time }, retypedBy, conflicts };
}

export function sameFields(a: Field[], b: Field[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && typeToString(f.type) === typeToString(b[i]!.type));
}
