/** fv's public library API. */
export { openRepository, initRepository, Repository } from './api/repository.js';
export type { ImportOptions, ImportResult, ImportMode } from './api/import.js';
export type { CommitOptions, CommitResult } from './api/commit.js';
export type { CheckoutOptions, CheckoutResult } from './api/checkout.js';
export type { LogEntry, LogOptions } from './api/log.js';
export type { DiffOptions, DiffResult } from './api/diff.js';
export type { TableDiff, RowChange } from './versioning/diff/table-diff.js';
export type { StatusResult, TableState } from './api/status.js';
export type { MergeOptions, MergeResult, ResolveOptions } from './api/merge.js';
export type { MergeConflict, ConflictKind, Side } from './versioning/merge/conflict.js';
export type { CommitSummary, TableSummary } from './api/show.js';
export type { BranchInfo, TagInfo } from './api/refs.js';
export type { ExportOptions } from './api/read.js';
export { FvError, isFvError } from './errors/FvError.js';
export type { FvErrorCode } from './errors/FvError.js';
export type { FvType, Field, Value } from './table/types.js';
export type { TableManifest } from './table/manifest.js';
