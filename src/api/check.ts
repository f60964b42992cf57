/**
 * `fv check [--table t] [--at <rev>]`: runs the data checks declared in
 * features.json against the working state (with the work tree's
 * features.json) or against a commit (with that commit's features.json).
 * The commit gate calls `runChecks` (src/checks/runner.ts) directly.
 */
import type { CheckReport } from '../checks/check.js';
import { runChecks } from '../checks/runner.js';
import type { Severity } from '../features/definitions.js';
import type { RepoContext } from './context.js';

export interface CheckOptions {
  /** Only this table's checks (or these tables'). */
  table?: string | string[];
  /** A rev; undefined checks the working state. */
  at?: string;
  severity?: Severity;
  /** The time of the check (ns since the epoch); default FV_NOW or the clock. */
  now?: bigint;
}

export type { CheckReport, CheckResult, CheckExample } from '../checks/check.js';

export async function check(ctx: RepoContext, opts: CheckOptions = {}): Promise<CheckReport> {
  const tables = opts.table === undefined ? undefined : Array.isArray(opts.table) ? opts.table : [opts.table];
  return runChecks(ctx, { tables, at: opts.at, severity: opts.severity, now: opts.now });
}
