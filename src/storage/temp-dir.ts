/**
 * Private temporary directories (mode 0700, in the OS temp dir) that are
 * removed when their owner is done, when the process exits, and when it is
 * interrupted (Ctrl-C, SIGTERM): an interrupted import must not leave
 * gigabytes of spilled rows behind. Only a kill (SIGKILL) can leave one, and
 * then only in the OS temp dir, never in the repository.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeAll(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** Removes every live directory, then dies of the signal as if no handler had been installed. */
function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

function watch(): void {
  process.on('exit', removeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unwatch(): void {
  process.removeListener('exit', removeAll);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it; safe to call more than once. */
  remove(): void;
}

/** Makes a private temporary directory named `<prefix>XXXXXX`. */
export function makeTempDir(prefix: string): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (live.size === 0) watch();
  live.add(dir);
  return {
    path: dir,
    remove: () => {
      if (!live.delete(dir)) return;
      fs.rmSync(dir, { recursive: true, force: true });
      // Signals get their default behaviour back once nothing is left to clean.
      if (live.size === 0) unwatch();
    },
  };
}
