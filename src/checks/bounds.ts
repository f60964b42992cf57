/** Comparing column values with bounds written in features.json (numbers, or text parsed as the column's type). */
import type { FvType, Value } from '../table/types.js';
import { compareValues, parseValueAs, valueToJson } from '../table/values.js';
import type { Json } from '../table/canonical-json.js';
import { CheckSetupError, isNumericType, toNumber } from './check.js';

/** Returns compare(v, bound) for non-null values of type t: negative, zero or positive. */
export function boundComparer(bound: number | string, t: FvType, what: string): (v: Value) => number {
  if (typeof bound === 'number' && isNumericType(t)) {
    const exact = Number.isInteger(bound) && t.kind !== 'decimal' ? BigInt(bound) : null;
    return (v) => {
      if (typeof v === 'bigint' && exact !== null) return v < exact ? -1 : v > exact ? 1 : 0;
      const x = toNumber(v, t)!;
      return Number.isNaN(x) ? 1 : x < bound ? -1 : x > bound ? 1 : 0;
    };
  }
  let b: Value;
  try {
    b = parseValueAs(String(bound), t);
  } catch {
    throw new CheckSetupError(`${what} ${JSON.stringify(bound)} is not a valid ${t.kind} value`, what);
  }
  return (v) => compareValues(v, b);
}

/** Tracks the least and greatest non-null values of a column. */
export class MinMax {
  min: Value = null;
  max: Value = null;
  add(v: Value): void {
    if (v === null) return;
    if (this.min === null || compareValues(v, this.min) < 0) this.min = v;
    if (this.max === null || compareValues(v, this.max) > 0) this.max = v;
  }
  json(t: FvType): { min: Json; max: Json } {
    return { min: valueToJson(this.min, t), max: valueToJson(this.max, t) };
  }
}
