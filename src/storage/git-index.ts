/**
 * Reader and writer of git's index file (.git/index), see git's
 * Documentation/gitformat-index.txt. fv needs its own writer because it puts
 * table files in the index with the skip-worktree bit (so git status does not
 * report them as deleted while they are not checked out), which
 * isomorphic-git cannot write. The reader lets fv keep the stat data of
 * entries it rewrites and lets tests check what native git wrote.
 *
 * Only SHA-1 repositories and stage-0 entries are handled; extensions (TREE,
 * REUC, UNTR, ...) are dropped on rewrite, which git tolerates: they are
 * caches that git rebuilds.
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { FvError, fromIoError } from '../errors/FvError.js';
import { fsyncDir } from './atomic-fs.js';
import { pidAlive } from './repo-lock.js';

export interface IndexEntry {
  path: string;
  /** 40 hex digits. */
  oid: string;
  /** 0o100644, 0o100755, 0o120000 (symlink) or 0o160000 (submodule). */
  mode: number;
  size: number;
  skipWorktree: boolean;
  ctimeMs?: number;
  mtimeMs?: number;
  dev?: number;
  ino?: number;
  uid?: number;
  gid?: number;
}

const SIGNATURE = 'DIRC';
const HEADER_LEN = 12;
const HASH_LEN = 20;
/** ctime, mtime (sec+nsec each), dev, ino, mode, uid, gid, size: ten 32-bit words, then the oid and the flags word. */
const FIXED_LEN = 40 + HASH_LEN + 2;
const FLAG_EXTENDED = 0x4000;
const FLAG_STAGE_MASK = 0x3000;
const NAME_MASK = 0x0fff;
const EXT_SKIP_WORKTREE = 0x4000;
const VALID_MODES = new Set([0o100644, 0o100755, 0o120000, 0o160000]);

function corrupt(why: string): FvError {
  return new FvError('CORRUPT', `git index is corrupt: ${why}`, { hint: 'run `git reset` (keeps your files) to rebuild .git/index' });
}

/** git refuses these paths in trees (verify_path), so an index holding them would be unusable. */
function checkPath(path: string): void {
  const bad = (why: string) => new FvError('BAD_NAME', `invalid path for git index ${JSON.stringify(path)}: ${why}`);
  if (path === '') throw bad('empty');
  if (path.startsWith('/')) throw bad('absolute');
  if (path.includes('\0')) throw bad('contains NUL');
  if (path.includes('\\')) throw bad('contains a backslash');
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad(`has a ${seg === '' ? 'empty' : `'${seg}'`} segment`);
    if (seg.toLowerCase() === '.git') throw bad("has a '.git' segment");
  }
}

function checkEntry(e: IndexEntry): void {
  checkPath(e.path);
  if (!/^[0-9a-fA-F]{40}$/.test(e.oid)) throw new FvError('BAD_INPUT', `invalid object id ${JSON.stringify(e.oid)} for ${e.path}`);
  if (!VALID_MODES.has(e.mode)) throw new FvError('BAD_INPUT', `invalid mode ${e.mode.toString(8)} for ${e.path}`);
  if (!Number.isSafeInteger(e.size) || e.size < 0) throw new FvError('BAD_INPUT', `invalid size ${e.size} for ${e.path}`);
}

/** Milliseconds to (sec, nsec) as git stores them: both unsigned 32-bit, seconds truncated. */
function splitTime(ms: number | undefined): [number, number] {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return [0, 0];
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.max(0, Math.round((ms - sec * 1000) * 1e6)));
  return [sec >>> 0, nsec];
}

function u32(n: number | undefined): number {
  // ToUint32 is modulo 2^32, i.e. git's truncation of 64-bit st_ino/st_size.
  return n === undefined || !Number.isFinite(n) ? 0 : Math.trunc(n) >>> 0;
}

export function encodeIndex(entries: IndexEntry[]): Buffer {
  const items = entries.map((e) => {
    checkEntry(e);
    return { e, name: Buffer.from(e.path, 'utf8') };
  });
  items.sort((a, b) => Buffer.compare(a.name, b.name));
  checkConflicts(items.map((i) => i.e.path));

  const version = items.some((i) => i.e.skipWorktree) ? 3 : 2;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_LEN);
  header.write(SIGNATURE, 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(items.length, 8);
  parts.push(header);

  for (const { e, name } of items) {
    const extended = e.skipWorktree;
    const fixed = FIXED_LEN + (extended ? 2 : 0);
    // 1..8 NULs so the entry length is a multiple of 8 (git's ondisk_ce_size).
    const buf = Buffer.alloc((fixed + name.length + 8) & ~7);
    const [cs, cns] = splitTime(e.ctimeMs);
    const [ms, mns] = splitTime(e.mtimeMs);
    const words = [cs, cns, ms, mns, u32(e.dev), u32(e.ino), e.mode, u32(e.uid), u32(e.gid), u32(e.size)];
    words.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
    buf.write(e.oid.toLowerCase(), 40, 'hex');
    buf.writeUInt16BE((extended ? FLAG_EXTENDED : 0) | Math.min(name.length, NAME_MASK), 60);
    if (extended) buf.writeUInt16BE(EXT_SKIP_WORKTREE, 62);
    name.copy(buf, fixed);
    parts.push(buf);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** Duplicate paths, or a path that is also a directory of another ("a" and "a/b"), make git refuse the index. */
function checkConflicts(sortedPaths: string[]): void {
  const all = new Set<string>();
  for (let i = 0; i < sortedPaths.length; i++) {
    const p = sortedPaths[i]!;
    if (i > 0 && sortedPaths[i - 1] === p) throw new FvError('BAD_INPUT', `duplicate git index entry ${JSON.stringify(p)}`);
    all.add(p);
  }
  for (const p of sortedPaths) {
    for (let k = p.indexOf('/'); k !== -1; k = p.indexOf('/', k + 1)) {
      const dir = p.slice(0, k);
      if (all.has(dir)) throw new FvError('BAD_INPUT', `git index path ${JSON.stringify(dir)} is both a file and a directory`);
    }
  }
}

// ignoreBOM keeps a leading U+FEFF, which is a legal path character.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** git's varint from varint.c (used by index v4 path compression). */
function readVarint(buf: Buffer, pos: number, end: number): [number, number] {
  if (pos >= end) throw corrupt('truncated entry');
  let c = buf[pos++]!;
  let val = c & 127;
  while (c & 128) {
    if (pos >= end || val > 2 ** 40) throw corrupt('bad path prefix length');
    c = buf[pos++]!;
    val = (val + 1) * 128 + (c & 127);
  }
  return [val, pos];
}

export function decodeIndex(buf: Buffer): IndexEntry[] {
  if (buf.length < HEADER_LEN + HASH_LEN) throw corrupt('too short');
  if (buf.toString('latin1', 0, 4) !== SIGNATURE) throw corrupt('bad signature');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new FvError('UNSUPPORTED', `git index version ${version} is not supported`);
  const end = buf.length - HASH_LEN;
  const trailer = buf.subarray(end);
  // An all-zero trailer is what git writes with index.skipHash=true.
  if (!trailer.equals(Buffer.alloc(HASH_LEN)) && !createHash('sha1').update(buf.subarray(0, end)).digest().equals(trailer)) {
    throw corrupt('checksum mismatch');
  }

  const count = buf.readUInt32BE(8);
  const out: IndexEntry[] = [];
  let pos = HEADER_LEN;
  let prevName: Buffer = Buffer.alloc(0);
  for (let n = 0; n < count; n++) {
    const start = pos;
    if (start + FIXED_LEN > end) throw corrupt('truncated entry');
    const w = (i: number) => buf.readUInt32BE(start + i * 4);
    const flags = buf.readUInt16BE(start + 60);
    if ((flags & FLAG_STAGE_MASK) !== 0) {
      throw new FvError('DIRTY_STATE', 'git index has unresolved merge conflicts', { hint: 'resolve or abort the git merge first' });
    }
    let extFlags = 0;
    pos = start + FIXED_LEN;
    if (flags & FLAG_EXTENDED) {
      if (version < 3) throw corrupt('extended flags in a version 2 index');
      if (pos + 2 > end) throw corrupt('truncated entry');
      extFlags = buf.readUInt16BE(pos);
      pos += 2;
    }
    const fixed = pos - start;
    let name: Buffer;
    if (version === 4) {
      const [strip, at] = readVarint(buf, pos, end);
      if (strip > prevName.length) throw corrupt('bad path prefix length');
      const nul = buf.indexOf(0, at);
      if (nul === -1 || nul >= end) throw corrupt('unterminated path');
      name = Buffer.concat([prevName.subarray(0, prevName.length - strip), buf.subarray(at, nul)]);
      pos = nul + 1;
    } else {
      const len = flags & NAME_MASK;
      // A name of 0xFFF bytes or more only stores 0xFFF; the NUL terminator gives the real length.
      const nul = len < NAME_MASK ? pos + len : buf.indexOf(0, pos + NAME_MASK);
      if (nul === -1 || nul >= end || buf[nul] !== 0) throw corrupt('bad path length');
      name = buf.subarray(pos, nul);
      pos = start + ((fixed + name.length + 8) & ~7);
      if (pos > end) throw corrupt('truncated entry');
    }
    prevName = name;
    let path: string;
    try {
      path = utf8.decode(name);
    } catch {
      throw new FvError('UNSUPPORTED', `git index path is not valid UTF-8: ${JSON.stringify(name.toString('latin1'))}`);
    }
    out.push({
      path,
      oid: buf.toString('hex', start + 40, start + 60),
      mode: w(6),
      size: w(9),
      skipWorktree: (extFlags & EXT_SKIP_WORKTREE) !== 0,
      ctimeMs: w(0) * 1000 + w(1) / 1e6,
      mtimeMs: w(2) * 1000 + w(3) / 1e6,
      dev: w(4),
      ino: w(5),
      uid: w(7),
      gid: w(8),
    });
  }
  return out;
}

/**
 * Who holds index.lock on fv's behalf: `<pid> <dev>:<ino>` of the lock file,
 * removed once the index is in place. A kill -9 while fv writes the index
 * leaves index.lock behind, which git and fv would then refuse forever; this
 * file proves the lock belongs to a dead fv process, so the next fv command
 * removes it. An index.lock fv cannot attribute this way (a running git, or
 * anything else) is never touched.
 */
const OWNER_FILE = join('fv', 'index-lock-owner');

/** Removes index.lock when the owner file shows it is the very file a now-dead fv process created. */
async function removeDeadOwnersLock(gitdir: string, lockPath: string): Promise<boolean> {
  const ownerPath = join(gitdir, OWNER_FILE);
  const owner = await fsp.readFile(ownerPath, 'utf8').catch(() => null);
  const m = owner === null ? null : /^(\d+) (\d+):(\d+)\n$/.exec(owner);
  if (m === null || pidAlive(Number(m[1]))) return false;
  const st = await fsp.stat(lockPath, { bigint: true }).catch(() => null);
  if (st === null || String(st.dev) !== m[2] || String(st.ino) !== m[3]) return false;
  await fsp.unlink(lockPath).catch(() => undefined);
  await fsp.unlink(ownerPath).catch(() => undefined);
  return true;
}

/** Creates index.lock (O_EXCL, git's own index lock) and records that this process owns it. */
async function createIndexLock(gitdir: string, lockPath: string): Promise<fsp.FileHandle> {
  for (let attempt = 0; ; attempt++) {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(lockPath, 'wx', 0o666);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fromIoError(e, `creating ${lockPath}`);
      if (attempt === 0 && (await removeDeadOwnersLock(gitdir, lockPath))) continue;
      throw new FvError('LOCKED', 'git index is locked (.git/index.lock exists)', {
        hint: 'another git process seems to be running; if not, remove .git/index.lock',
      });
    }
    try {
      const st = await handle.stat({ bigint: true });
      await fsp.mkdir(join(gitdir, 'fv'), { recursive: true });
      await fsp.writeFile(join(gitdir, OWNER_FILE), `${process.pid} ${st.dev}:${st.ino}\n`);
    } catch (e) {
      await handle.close().catch(() => undefined);
      await fsp.unlink(lockPath).catch(() => undefined);
      throw fromIoError(e, `creating ${lockPath}`);
    }
    return handle;
  }
}

/**
 * Replaces <gitdir>/index the way git does: the new content is written to
 * index.lock (whose O_EXCL creation is also git's index lock), fsynced and
 * renamed over index. A concurrent git command holding index.lock makes
 * this fail with LOCKED rather than wait; an index.lock left by a killed fv
 * process is recognised and removed (see OWNER_FILE).
 */
export async function writeIndexAtomic(gitdir: string, entries: IndexEntry[]): Promise<void> {
  const data = encodeIndex(entries); // validate before touching the lock
  const lockPath = join(gitdir, 'index.lock');
  const handle = await createIndexLock(gitdir, lockPath);
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await fsp.rename(lockPath, join(gitdir, 'index'));
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fsp.unlink(lockPath).catch(() => undefined);
    throw fromIoError(e, `writing ${join(gitdir, 'index')}`);
  } finally {
    await fsp.unlink(join(gitdir, OWNER_FILE)).catch(() => undefined);
  }
  await fsyncDir(gitdir).catch((e: unknown) => {
    throw fromIoError(e, `writing ${join(gitdir, 'index')}`);
  });
}
