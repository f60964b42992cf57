/** Check type -> its implementation (one small file each). */
import type { CheckType } from '../features/definitions.js';
import type { CheckFactory } from './check.js';
import { between } from './between.js';
import { columnType } from './column-type.js';
import { drift } from './drift.js';
import { freshness } from './freshness.js';
import { inSet, notInSet } from './in-set.js';
import { lengthBetween } from './length-between.js';
import { missingPercent } from './missing-percent.js';
import { notNull } from './not-null.js';
import { regex } from './regex.js';
import { rowCount } from './row-count.js';
import { rowCountChange } from './row-count-change.js';
import { schema } from './schema.js';
import { statBetween } from './stat-between.js';
import { unique } from './unique.js';

export const CHECKS: Record<CheckType, CheckFactory> = {
  not_null: notNull,
  unique,
  between,
  in_set: inSet,
  not_in_set: notInSet,
  regex,
  length_between: lengthBetween,
  column_type: columnType,
  schema,
  row_count: rowCount,
  row_count_change: rowCountChange,
  stat_between: statBetween,
  freshness,
  missing_percent: missingPercent,
  drift,
};
