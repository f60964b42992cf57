/**
 * freshness: the newest value of a timestamp or date column is at most
 * `max_age` before the time of the check (FV_NOW, an ISO timestamp, overrides
 * the clock). Timestamps without a zone are taken as UTC; a date counts as
 * its midnight UTC. No values: the check fails.
 */
import { TIME_UNITS_PER_SECOND } from '../table/types.js';
import { formatValue } from '../table/values.js';
import type { CheckFactory } from './check.js';
import { CheckSetupError, columnIndex } from './check.js';

export function formatAge(nanos: bigint): string {
  const neg = nanos < 0n;
  let s = (neg ? -nanos : nanos) / 1000000000n;
  const d = s / 86400n;
  s %= 86400n;
  const h = s / 3600n, m = (s % 3600n) / 60n, sec = s % 60n;
  const time = (h ? `${h}H` : '') + (m ? `${m}M` : '') + (sec ? `${sec}S` : '');
  return `${neg ? '-' : ''}P${d ? `${d}D` : ''}${time ? `T${time}` : d ? '' : 'T0S'}`;
}

export const freshness: CheckFactory = (def, table, env) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  if (t.kind !== 'timestamp' && t.kind !== 'date32') throw new CheckSetupError(`freshness needs a timestamp or date column; ${def.column} is ${t.kind}`, 'column');
  const toNanos = (v: number | bigint): bigint =>
    t.kind === 'timestamp' ? (v as bigint) * (1000000000n / TIME_UNITS_PER_SECOND[t.unit]) : BigInt(v as number) * 86400n * 1000000000n;
  let latest: bigint | number | null = null;
  return {
    chunk(d) {
      const col = d.columns[i]!;
      for (let r = 0; r < d.rowCount; r++) {
        const v = col[r] as bigint | number | null;
        if (v !== null && (latest === null || v > latest)) latest = v;
      }
      return 0;
    },
    finish() {
      const expected = { max_age: def.max_age!.text };
      if (latest === null) return { ok: false, observed: { latest: null, age: null, age_seconds: null }, expected };
      const age = env.now - toNanos(latest);
      return {
        ok: age <= def.max_age!.nanos,
        observed: { latest: formatValue(latest, t), age: formatAge(age), age_seconds: Number(age / 1000000n) / 1000 },
        expected,
      };
    },
  };
};
