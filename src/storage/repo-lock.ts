/**
 * The repository lock: one exclusive `<gitdir>/fv.lock` held by every
 * mutating fv command, so two fv processes never interleave object, ref and
 * index updates.
 *
 * The file is created with O_CREAT|O_EXCL, which is atomic on local
 * filesystems and on NFSv3+, and records who holds it. A holder that dies
 * without releasing (SIGKILL, power loss) leaves the file behind; such a lock
 * is detected as stale when its pid is dead on this host, and removed.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { FvError, fromIoError } from '../errors/FvError.js';

export interface RepoLock {
  readonly path: string;
  /** Removes the lock file; safe to call more than once. */
  release(): Promise<void>;
}

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

const POLL_MS = 50;
/** A lock file with no readable content is given this long for its creator to fill it in. */
const UNWRITTEN_GRACE_MS = 10_000;

/** Lock path -> inode of the lock file this process created. */
const held = new Map<string, number>();
let exitHookInstalled = false;

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function defaultWaitMs(): number {
  const n = Number(process.env['FV_LOCK_TIMEOUT_MS'] ?? '');
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o['pid'] !== 'number' || !Number.isInteger(o['pid']) || o['pid'] <= 0 || typeof o['host'] !== 'string') return undefined;
    return { pid: o['pid'], host: o['host'], command: String(o['command'] ?? 'unknown'), started: String(o['started'] ?? '') };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (on this machine). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(e) !== 'ESRCH';
  }
}

interface Observed {
  info: LockInfo | undefined;
  stale: boolean;
}

/**
 * Reads a lock file and judges it. `key` is the lock path as held by this
 * process (the file may have been moved aside). Undefined if it is gone.
 */
async function observe(file: string, key: string): Promise<Observed | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fromIoError(e, `reading ${file}`);
  }
  try {
    // Read through one handle so content and age belong to the same file.
    // Our own pid in a lock we do not hold (and that predates our start) was left
    // by an earlier process that had the same pid: containers reuse pids a lot.
    const st = await handle.stat();
    const info = parseInfo(await handle.readFile('utf8'));
    let stale: boolean;
    if (info === undefined) stale = Date.now() - st.mtimeMs > UNWRITTEN_GRACE_MS;
    else if (info.host !== hostname()) stale = false; // cannot check a pid on another machine
    else if (info.pid === process.pid) stale = !held.has(key) && !(Date.parse(info.started) >= performance.timeOrigin);
    else stale = !pidAlive(info.pid);
    return { info, stale };
  } finally {
    await handle.close();
  }
}

/**
 * Moves `file` aside under a unique name, judges the moved file, and deletes
 * it if stale or puts it back (link, which fails rather than clobbers) if
 * not. Judging the moved copy means we never delete a file we did not judge.
 * Identity is judged by content, not inode: inode numbers are reused at once.
 */
async function removeIfStale(file: string, isStale: (aside: string) => Promise<boolean>): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await fsp.rename(file, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw fromIoError(e, `removing stale lock ${file}`);
  }
  try {
    if (!(await isStale(aside))) await fsp.link(aside, file).catch(() => undefined);
  } finally {
    await fsp.unlink(aside).catch(() => undefined);
  }
}

async function olderThanGrace(file: string): Promise<boolean> {
  const st = await fsp.stat(file).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > UNWRITTEN_GRACE_MS;
}

/**
 * Removes the stale lock at `path`; false if another process is already
 * doing so. Recoverers serialize on a second O_EXCL file, `fv.lock.break`,
 * and re-judge the lock while holding it: without that, a recoverer that
 * judged the old lock stale could move aside the fresh lock another
 * recoverer has just created, letting a third process in while it is
 * being put back. The break file is held for milliseconds, so one older
 * than the grace period was left by a killed recoverer and is removed.
 */
async function removeStale(path: string): Promise<boolean> {
  const breaker = `${path}.break`;
  try {
    await (await fsp.open(breaker, 'wx')).close();
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw fromIoError(e, `creating ${breaker}`);
    if (await olderThanGrace(breaker)) await removeIfStale(breaker, olderThanGrace);
    return false;
  }
  try {
    if ((await observe(path, path))?.stale) await removeIfStale(path, async (aside) => (await observe(aside, path))?.stale ?? true);
    return true;
  } finally {
    await fsp.unlink(breaker).catch(() => undefined);
  }
}

/** Tries to create the lock; false if it already exists. */
/**
 * Creates the lock file with its content already in place: the content is
 * written to a private temp file, which is then hard-linked to the lock's
 * name (link fails with EEXIST like O_EXCL). So a process killed at any
 * moment never leaves an empty lock file that others would have to wait out.
 */
async function tryCreate(path: string, command: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const info: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
    const handle = await fsp.open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(info)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.link(tmp, path);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw e;
    }
    held.set(path, (await fsp.stat(path)).ino);
    return true;
  } catch (e) {
    throw fromIoError(e, `creating ${path}`);
  } finally {
    await fsp.unlink(tmp).catch(() => undefined);
  }
}

export async function acquireRepoLock(gitdir: string, opts: { waitMs?: number; command?: string } = {}): Promise<RepoLock> {
  // A second acquire in this process (another async task) simply waits like any other process would.
  const path = join(resolve(gitdir), 'fv.lock');
  const waitMs = opts.waitMs ?? defaultWaitMs();
  const deadline = Date.now() + waitMs;
  installExitHook();
  for (;;) {
    if (await tryCreate(path, opts.command ?? 'fv')) return makeLock(path);
    const seen = await observe(path, path);
    if (seen === undefined) continue; // released meanwhile
    // If another process is removing the stale lock, it is about to take it: treat it as held.
    if (seen.stale && (await removeStale(path))) continue;
    if (Date.now() >= deadline) throw lockedError(seen.info);
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
  }
}

function lockedError(info: LockInfo | undefined): FvError {
  const pid = info?.pid ?? 'unknown';
  const where = info !== undefined && info.host !== hostname() ? ` on ${info.host}` : '';
  return new FvError('LOCKED', `repository is locked by pid ${pid}${where} (${info?.command ?? 'unknown command'})`, {
    hint: 'wait for it to finish; if no fv process is running, remove .git/fv.lock',
    data: { ...info },
  });
}

function makeLock(path: string): RepoLock {
  return {
    path,
    async release() {
      const ino = held.get(path);
      if (ino === undefined) return;
      held.delete(path);
      try {
        // Only remove the file we created, not one somebody put there after removing ours by hand.
        if ((await fsp.stat(path)).ino === ino) await fsp.unlink(path);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw fromIoError(e, `removing ${path}`);
      }
    },
  };
}

/** Synchronously removes every lock this process holds (used from the 'exit' handler). */
export function releaseAllLocksSync(): void {
  for (const [path, ino] of held) {
    held.delete(path);
    try {
      if (fs.statSync(path).ino === ino) fs.unlinkSync(path);
    } catch {
      // Nothing useful to do while exiting; a leftover lock is detected as stale.
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' also fires after an uncaught exception and process.exit(); only signals
  // with default handlers and SIGKILL bypass it, and their dead pid makes the lock stale.
  process.on('exit', releaseAllLocksSync);
}
