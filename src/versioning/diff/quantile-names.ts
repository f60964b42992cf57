/**
 * The quantiles `fv diff --stats` reports, by name. A module of its own so
 * that the CLI's renderer can name them without loading the profiler (and
 * the check statistics it uses) at every start-up.
 */
export const QUANTILES = [0.01, 0.25, 0.5, 0.75, 0.99] as const;
export const QUANTILE_NAMES = ['p1', 'p25', 'p50', 'p75', 'p99'] as const;
