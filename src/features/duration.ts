/**
 * ISO-8601 durations for `ttl` and `max_age`: `P[nW][nD][T[nH][nM][n(.f)S]]`.
 * Years and months are rejected: their length depends on the calendar, and a
 * point-in-time join must mean the same thing on every machine.
 */
export interface Duration {
  text: string;
  /** Exact length in nanoseconds. */
  nanos: bigint;
}

const DURATION = /^P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,12})(?:[.,](\d{1,9}))?S)?)?$/;

/** Parses a duration, or returns a reason it is not one. */
export function parseDuration(text: string): Duration | { error: string } {
  if (/^P(?:\d+Y|\d+M(?!.*T)|.*\d+Y)/.test(text) || /^P[^T]*\d+M/.test(text)) {
    return { error: `years and months are not fixed lengths; use weeks, days or hours (e.g. "P30D")` };
  }
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return { error: 'expected an ISO-8601 duration such as "P30D", "PT12H" or "P1DT30M"' };
  const n = (i: number): bigint => BigInt(m[i] ?? '0');
  const sec = n(1) * 604800n + n(2) * 86400n + n(3) * 3600n + n(4) * 60n + n(5);
  const frac = BigInt((m[6] ?? '').padEnd(9, '0') || '0');
  return { text, nanos: sec * 1000000000n + frac };
}
