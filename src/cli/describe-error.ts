/**
 * The one mapping from a thrown value to what the CLI prints and its exit
 * status. Pure (no I/O, no process.exit) so that the fuzz tests can run
 * thousands of cases in-process through exactly the mapping bin/fv uses.
 */
import { CommanderError } from 'commander';
import { FvError } from '../errors/FvError.js';
import { NegativeAnswer } from './negative.js';

export interface ErrorDescription {
  exitCode: 0 | 1 | 2;
  /** The `fv: error: ...` line (null when nothing is printed). */
  line: string | null;
  hint: string | null;
  /** True when the error is not one a user can cause: a bug in fv. */
  internal: boolean;
}

function error(message: string, hint: string | null, internal = false): ErrorDescription {
  return { exitCode: 2, line: `fv: error: ${message.split('\n')[0]}`, hint: hint ?? null, internal };
}

export function describeError(e: unknown): ErrorDescription {
  if (e instanceof NegativeAnswer) return { exitCode: 1, line: null, hint: null, internal: false };
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return { exitCode: 0, line: null, hint: null, internal: false };
    return error(e.message.replace(/^error: /, ''), 'see `fv --help` or `fv <command> --help`');
  }
  if (e instanceof FvError) return error(e.message, e.hint ?? null);
  const err = e as NodeJS.ErrnoException | null;
  if (err?.code === 'ENOSPC') return error('no space left on device; nothing was changed', 'free some disk space and run the command again');
  if (err?.code === 'EPIPE') return { exitCode: 0, line: null, hint: null, internal: false };
  return error(`internal error: ${err?.message ?? String(e)}`, 'this is a bug in fv; rerun with FV_DEBUG=1 for details', true);
}
