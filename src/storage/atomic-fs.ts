/**
 * Crash-safe file writes. A reader (another fv, native git, or fv after a
 * crash) must only ever see the old or the new content of a file, never a
 * truncated one, so every write goes to a temp file in the same directory
 * (same filesystem, so rename is atomic) and is renamed over the target.
 *
 * Durability follows git's core.fsync idea: the data is fsynced before the
 * rename and the directory after it. Loose objects are immutable and numerous,
 * so callers may skip the per-file fsync for them and flush the whole batch
 * with fsyncPaths() before writing the ref that makes them reachable.
 */
import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { PromiseFsClient } from 'isomorphic-git';
import { fromIoError } from '../errors/FvError.js';

export interface WriteAtomicOptions {
  /** fsync the file before the rename and its directory after it (default true). */
  fsync?: boolean;
  /** Permission bits for a newly written file (umask applies), default 0o666. */
  mode?: number;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Only a full disk becomes an FvError here; other errors keep their errno code because callers (isomorphic-git) branch on it. */
function mapWriteError(e: unknown, path: string): unknown {
  const code = errnoCode(e);
  return code === 'ENOSPC' || code === 'EDQUOT' ? fromIoError(e, `writing ${path}`) : e;
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * fsync a directory so a rename or create inside it survives a crash.
 * Best effort: some platforms/filesystems refuse to open or sync directories.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP' && code !== 'EPERM') throw e;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: WriteAtomicOptions = {}): Promise<void> {
  const fsync = opts.fsync ?? true;
  const tmp = tempPathFor(path);
  let handle: fsp.FileHandle | undefined;
  try {
    // 'wx': never reuse (and so never clobber) an existing file of that name.
    handle = await fsp.open(tmp, 'wx', opts.mode ?? 0o666);
    await handle.writeFile(data);
    if (fsync) await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw mapWriteError(e, path);
  }
  // After the rename the new content is in place; only its durability is left.
  if (fsync) {
    try {
      await fsyncDir(dirname(path));
    } catch (e) {
      throw mapWriteError(e, path);
    }
  }
}

/**
 * fsync a file or directory by path (directories open fine read-only on POSIX).
 * A path that no longer exists (written, then removed) has nothing left to make durable.
 */
async function fsyncOne(path: string): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw e;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/**
 * fsync many files (or directories) and then each of their parent
 * directories, so both the contents and the directory entries are durable.
 * Call it before writing the ref that makes freshly written objects reachable.
 */
export async function fsyncPaths(paths: string[]): Promise<void> {
  const files = [...new Set(paths)];
  try {
    await inBatches(files, 16, fsyncOne);
    // The parents make the new names (and any removals) durable.
    await inBatches([...new Set(files.map((p) => dirname(p)))], 16, async (d) => {
      await fsyncDir(d).catch((e: unknown) => {
        if (errnoCode(e) !== 'ENOENT') throw e;
      });
    });
  } catch (e) {
    throw mapWriteError(e, 'fsync');
  }
}

type WriteFileOptions = BufferEncoding | { encoding?: BufferEncoding | null; mode?: number } | null | undefined;

export interface AtomicGitFs extends PromiseFsClient {
  // rm lets isomorphic-git delete directories recursively without its own walk.
  promises: PromiseFsClient['promises'] & { rm: typeof fsp.rm };
  /** Paths written or created without fsync since the last call (only with fsync:false); the list is cleared. */
  takeUnsynced(): string[];
  /** fsyncPaths(takeUnsynced()). */
  flush(): Promise<void>;
}

/**
 * A node:fs-backed fs for isomorphic-git whose writeFile is writeFileAtomic,
 * so loose objects, refs, HEAD, config and reflogs are never seen half-written.
 *
 * With fsync:false nothing is fsynced as it is written; the written files and
 * created directories are remembered instead, and flush() makes them durable
 * in one batch (use a fsync:true instance, or flush first, for refs).
 * Deletions (unlink/rmdir) are plain: losing one in a crash is harmless for git.
 */
export function atomicFsForGit(opts: { fsync?: boolean; onWrite?: (path: string) => void } = {}): AtomicGitFs {
  const fsync = opts.fsync ?? true;
  const unsynced = new Set<string>();

  async function writeFile(path: string, data: Uint8Array | string, options?: WriteFileOptions): Promise<void> {
    const o = typeof options === 'string' ? { encoding: options } : options ?? {};
    const bytes = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf8') : data;
    await writeFileAtomic(path, bytes, { fsync, ...(o.mode === undefined ? {} : { mode: o.mode }) });
    if (!fsync) unsynced.add(path);
    opts.onWrite?.(path);
  }

  // A new directory (e.g. objects/ab/ or refs/heads/topic/) is only durable once its parent is synced.
  async function mkdir(path: string, options?: Parameters<typeof fsp.mkdir>[1]): Promise<string | undefined> {
    const first = await fsp.mkdir(path, options);
    const created = typeof options === 'object' && options?.recursive ? createdChain(first, path) : [path];
    if (fsync) await fsyncPaths(created);
    else for (const d of created) unsynced.add(d);
    return first;
  }

  function takeUnsynced(): string[] {
    const out = [...unsynced];
    unsynced.clear();
    return out;
  }

  return {
    // Must be an own enumerable property: isomorphic-git's FileSystem checks that to pick the promise API.
    promises: {
      readFile: fsp.readFile,
      writeFile,
      unlink: fsp.unlink,
      readdir: fsp.readdir,
      mkdir,
      rmdir: fsp.rmdir,
      rm: fsp.rm,
      stat: fsp.stat,
      lstat: fsp.lstat,
      readlink: fsp.readlink,
      symlink: fsp.symlink,
      chmod: fsp.chmod,
    },
    takeUnsynced,
    flush: async () => fsyncPaths(takeUnsynced()),
  };
}

/** Directories created by a recursive mkdir: from the first created one down to `path`. */
function createdChain(first: string | undefined, path: string): string[] {
  if (first === undefined) return [];
  const out: string[] = [];
  for (let d = path; d.length >= first.length && d !== dirname(d); d = dirname(d)) out.push(d);
  return out;
}
