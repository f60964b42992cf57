/**
 * Every failure a user can cause is an FvError with a stable `code`. The CLI
 * maps them to exit status 2 and a one-line `fv: error:` message (plus an
 * optional `hint:` line). Anything that is not an FvError is a bug and is
 * reported as an internal error.
 */
export type FvErrorCode =
  | 'BAD_USAGE'
  | 'NOT_A_REPOSITORY'
  | 'ALREADY_A_REPOSITORY'
  | 'LOCKED'
  | 'BAD_INPUT'
  | 'BAD_NAME'
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_REF'
  | 'UNKNOWN_COLUMN'
  | 'UNKNOWN_ROW'
  | 'DUPLICATE_KEY'
  | 'TYPE_ERROR'
  | 'SCHEMA_MISMATCH'
  | 'UNSUPPORTED'
  | 'DIRTY_STATE'
  | 'REF_EXISTS'
  | 'REF_MOVED'
  | 'NOTHING_TO_COMMIT'
  | 'NO_AUTHOR'
  | 'CORRUPT'
  | 'IO_ERROR'
  | 'UNKNOWN_REMOTE'
  | 'REMOTE_ERROR'
  | 'AUTH_FAILED'
  | 'PUSH_REJECTED'
  | 'UNSAFE_REMOTE'
  | 'DISK_FULL'
  | 'BAD_DEFINITIONS'
  | 'MERGE_IN_PROGRESS'
  | 'MERGE_CONFLICTS'
  | 'NO_MERGE';

export class FvError extends Error {
  readonly code: FvErrorCode;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown>;

  constructor(code: FvErrorCode, message: string, opts: { hint?: string; data?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FvError';
    this.code = code;
    this.hint = opts.hint;
    this.data = opts.data ?? {};
  }
}

export function isFvError(e: unknown): e is FvError {
  return e instanceof FvError;
}

/** Turns low-level I/O errors the user can cause (full disk, permissions) into FvErrors. */
export function fromIoError(e: unknown, what: string): FvError | unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new FvError('DISK_FULL', `${what}: no space left on device`, { cause: e, hint: 'free some disk space and run the command again; nothing was changed' });
  if (code === 'EACCES' || code === 'EPERM') return new FvError('IO_ERROR', `${what}: permission denied`, { cause: e });
  if (code === 'ENOENT') return new FvError('IO_ERROR', `${what}: no such file or directory`, { cause: e });
  if (code === 'EISDIR') return new FvError('IO_ERROR', `${what}: is a directory`, { cause: e });
  return e;
}
