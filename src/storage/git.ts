/**
 * The only module that talks to isomorphic-git. Everything fv stores is an
 * ordinary git object (blobs, trees, commits, tags) or ref. Refs, commits
 * and tags are written through isomorphic-git with an fs whose writes are
 * atomic (temp file + rename), so native git always sees either the old or
 * the new file, never half of one; blobs and trees are written by
 * object-writer.ts, loose or (for a command writing many) in one pack.
 *
 * What isomorphic-git does not do, this module adds: compare-and-swap ref
 * updates (under the repository lock held by the caller), level-1 deflate
 * (isomorphic-git's own path is fixed at level 6), packs, and a batched
 * fsync of new objects before the ref that makes them reachable.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { git } from './iso-git.js';
import { FvError, fromIoError } from '../errors/FvError.js';
import { atomicFsForGit } from './atomic-fs.js';
import { parseCommit, parseTree, tagTarget } from './git-object-parse.js';
import type { ParsedTreeEntry } from './git-object-parse.js';
import { ObjectReader, type RawObject } from './object-reader.js';
import { RefReader } from './ref-reader.js';
import { mergeBases } from './merge-base.js';
import { gitObjectId } from './loose-object.js';
import { ObjectWriter } from './object-writer.js';

/** A tree entry, as git-object-parse.ts reads it (and isomorphic-git writes it). */
export type TreeEntry = ParsedTreeEntry;

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; timestamp: number; timezoneOffset: number };
}

export interface Person {
  name: string;
  email: string;
  timestamp?: number;
  timezoneOffset?: number;
}

/** The id of the tree with no entries, which git knows without storing it. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Refs and config: fsynced on every write. */
const refFs = atomicFsForGit();

/** The id git gives a blob with these bytes. */
export function gitBlobId(bytes: Uint8Array): string {
  return gitObjectId('blob', bytes);
}

/**
 * A tree object's body, as git writes it: entries sorted by name compared
 * bytewise, a subtree's name as if it ended in "/"; the mode without leading
 * zeros ("40000"), then NUL and the 20-byte id.
 */
export function encodeTree(entries: TreeEntry[]): Buffer {
  const named = entries.map((e) => ({ e, key: Buffer.from(e.type === 'tree' ? e.path + '/' : e.path, 'utf8') }));
  named.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { e } of named) {
    parts.push(Buffer.from(`${e.mode.replace(/^0+/, '')} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

function isNotFound(e: unknown): boolean {
  const c = (e as { code?: string } | null)?.code;
  return c === 'NotFoundError' || c === 'ENOENT';
}

/** A git repository as fv uses it: `dir` is the work tree, `gitdir` its .git. */
export class GitRepo {
  readonly dir: string;
  readonly gitdir: string;
  private readonly cache = {};
  /** Whether a ref moved since the last checkpoint: then nothing may be taken back. */
  private refMoved = false;
  /** Stores new objects, loose or in a pack; isomorphic-git's writes (commits, tags) go through its fs. */
  private readonly writer: ObjectWriter;
  /** Reads objects itself, packed ones entry by entry (isomorphic-git would load each whole pack into memory). */
  private readonly objects: ObjectReader;
  /** Reads refs itself: resolving a name need not load isomorphic-git (writes still go through it). */
  private readonly refs: RefReader;

  constructor(dir: string, gitdir = path.join(dir, '.git')) {
    this.dir = dir;
    this.gitdir = gitdir;
    this.objects = new ObjectReader(gitdir);
    this.writer = new ObjectWriter(gitdir);
    this.refs = new RefReader(gitdir);
  }

  static async init(dir: string): Promise<GitRepo> {
    await git.init({ fs: refFs, dir, defaultBranch: 'main' });
    return new GitRepo(dir);
  }

  private base() {
    return { fs: this.writer.fs, dir: this.dir, gitdir: this.gitdir, cache: this.cache };
  }

  private refBase() {
    return { fs: refFs, dir: this.dir, gitdir: this.gitdir };
  }

  // ---- objects ----

  /**
   * Writes a blob (deflated at level 1, git's own default for loose
   * objects). The bytes must not change afterwards: they may be deflated and
   * written after this returns (ObjectWriter).
   */
  async writeBlob(bytes: Uint8Array): Promise<string> {
    const oid = gitBlobId(bytes);
    await this.storeObject('blob', bytes, oid);
    return oid;
  }

  /**
   * Writes a blob whose id was computed elsewhere: a chunk worker hashes the
   * chunk off the main thread. A no-op when the blob exists.
   */
  async writeHashedBlob(oid: string, bytes: Uint8Array): Promise<void> {
    await this.storeObject('blob', bytes, oid);
  }

  /** Stores object `oid` unless it exists, loose or packed (or was stored by this command). */
  private async storeObject(type: 'blob' | 'tree', body: Uint8Array, oid: string): Promise<void> {
    if (this.writer.has(oid)) return;
    if (await this.writer.hasLoose(oid)) return;
    if (await this.hasPackedObject(oid, 1000)) return;
    try {
      await this.writer.write(oid, type, body);
    } catch (e) {
      throw fromIoError(e, 'writing a git object');
    }
  }

  /**
   * An object by id: loose or packed through ObjectReader; isomorphic-git
   * only when that reader cannot prove a miss (a pack without a usable .idx).
   * Undefined when the object does not exist.
   */
  private async readRaw(oid: string): Promise<RawObject | undefined> {
    const held = this.writer.heldObject(oid);
    if (held !== undefined) return held;
    // Written into the pack this command is writing: installing it makes it readable.
    if (this.writer.inOpenPack(oid)) await this.writer.sealPack();
    const found = this.objects.read(oid);
    if (found !== undefined || this.objects.complete) return found;
    try {
      const { type, object } = await git.readObject({ ...this.base(), oid, format: 'content' });
      return { type: type as RawObject['type'], data: Buffer.from(object as Uint8Array) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** The object `oid` names after following annotated tags, or undefined if one along the way is missing. */
  private async readPeeled(oid: string): Promise<(RawObject & { oid: string }) | undefined> {
    for (let i = 0; i < 10; i++) {
      const obj = await this.readRaw(oid);
      if (obj === undefined || obj.type !== 'tag') return obj && { ...obj, oid };
      oid = tagTarget(oid, obj.data);
    }
    throw new FvError('CORRUPT', `tag chain at ${oid} is too long`);
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const obj = await this.readPeeled(oid);
    if (obj === undefined) throw new FvError('CORRUPT', `git object ${oid} is missing`, { hint: 'run `git fsck --full` to check the repository' });
    if (obj.type !== 'blob') throw new FvError('CORRUPT', `git object ${oid} is a ${obj.type}, not a blob`);
    return obj.data;
  }

  async hasObject(oid: string): Promise<boolean> {
    if (this.writer.has(oid) || this.objects.has(oid)) return true;
    return !this.objects.complete && this.hasPackedObject(oid);
  }

  /**
   * Whether objects/pack held a pack index, and when that was looked at.
   * writeBlob reuses the answer for a second (an import checks one object per
   * chunk, and listing the directory each time was a measurable cost): a pack
   * appearing meanwhile (a concurrent `git gc`) costs at most a second copy of
   * an object it holds, which git allows (this process's own packs are known
   * to its ObjectWriter). hasObject always looks afresh.
   */
  private packsSeen: { present: boolean; at: number } | undefined;

  private packsPresent(maxAgeMs: number): boolean {
    const now = Date.now();
    if (this.packsSeen === undefined || now - this.packsSeen.at > maxAgeMs) {
      const packDir = path.join(this.gitdir, 'objects', 'pack');
      this.packsSeen = { present: nodeFs.existsSync(packDir) && nodeFs.readdirSync(packDir).some((f) => f.endsWith('.idx')), at: now };
    }
    return this.packsSeen.present;
  }

  private async hasPackedObject(oid: string, maxAgeMs = -1): Promise<boolean> {
    if (!this.packsPresent(maxAgeMs)) return false;
    // Index lookups only; isomorphic-git is asked (and loads the pack) only about packs this reader cannot index.
    if (this.objects.has(oid)) return true;
    if (this.objects.complete) return false;
    try {
      await git.readObject({ ...this.base(), oid, format: 'deflated' });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Writes a tree object. Encoded here rather than by isomorphic-git, whose
   * path deflates each object through a web CompressionStream: a commit of a
   * 1M-row table writes ~260 trees, and that per-object overhead showed in
   * its profile.
   */
  async writeTree(entries: TreeEntry[]): Promise<string> {
    const body = encodeTree(entries);
    const oid = gitObjectId('tree', body);
    await this.storeObject('tree', body, oid);
    return oid;
  }

  /** A tree's entries; a commit (or a tag of one) stands for its tree, as in isomorphic-git. */
  async readTree(oid: string): Promise<TreeEntry[]> {
    if (oid === EMPTY_TREE) return [];
    const obj = await this.readPeeled(oid);
    if (obj === undefined) throw new FvError('CORRUPT', `git tree ${oid} is missing`);
    if (obj.type === 'commit') return this.readTree(parseCommit(obj.oid, obj.data).tree);
    if (obj.type !== 'tree') throw new FvError('CORRUPT', `git object ${oid} is a ${obj.type}, not a tree`);
    return parseTree(obj.oid, obj.data);
  }

  async writeCommit(c: { tree: string; parents: string[]; message: string; author: Person }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const who = {
      name: c.author.name,
      email: c.author.email,
      timestamp: c.author.timestamp ?? now,
      timezoneOffset: c.author.timezoneOffset ?? new Date().getTimezoneOffset(),
    };
    const message = c.message.endsWith('\n') ? c.message : c.message + '\n';
    const oid = await git.writeCommit({ ...this.base(), commit: { tree: c.tree, parent: c.parents, message, author: who, committer: who } });
    return oid;
  }

  async readCommit(oid: string): Promise<CommitInfo> {
    const obj = await this.readPeeled(oid);
    if (obj === undefined) throw new FvError('UNKNOWN_REF', `commit ${oid} not found`);
    if (obj.type !== 'commit') throw new FvError('UNKNOWN_REF', `${oid} is a ${obj.type}, not a commit`);
    return { oid, ...parseCommit(obj.oid, obj.data) };
  }

  /**
   * Takes back what the command wrote since the last checkpoint, so that a
   * failed command leaves the object store as it found it: objects held or
   * in an unfinished pack always, loose objects and installed packs unless a
   * ref has moved (they may be reachable). Only safe under the repository
   * lock, which keeps other fv processes from writing, and so from sharing,
   * these objects.
   */
  async discardCreatedObjects(): Promise<void> {
    await this.writer.discard(this.refMoved);
    this.checkpoint();
  }

  /** Starts a new command: forgets which objects were created and whether refs moved. */
  checkpoint(): void {
    this.writer.checkpoint();
    this.refMoved = false;
  }

  /** Writes out and makes durable every object stored so far; call before moving a ref to them. */
  async flushObjects(): Promise<void> {
    try {
      await this.writer.flush();
    } catch (e) {
      // A pack's deflate or write can fail after writeBlob returned: it surfaces here.
      throw fromIoError(e, 'writing git objects');
    }
  }

  // ---- refs ----

  /** The commit a ref points at, or null if the ref does not exist (an unborn branch). */
  async readRef(ref: string): Promise<string | null> {
    return this.refs.resolve(ref);
  }

  /** The branch HEAD points at (short name), or null when detached. */
  async currentBranch(): Promise<string | null> {
    return this.refs.currentBranch();
  }

  /**
   * Points `ref` at `oid` only if it still points at `expected` (null: must
   * not exist). The caller holds the repository lock, so the read-compare-
   * write cannot interleave with another fv process.
   */
  async updateRef(ref: string, oid: string, expected: string | null): Promise<void> {
    await this.flushObjects();
    const current = await this.readRefExact(ref);
    if (current !== expected) {
      throw new FvError('REF_MOVED', `${ref} moved while this command ran (expected ${expected ?? 'nothing'}, found ${current ?? 'nothing'})`, { hint: 'run the command again' });
    }
    this.refMoved = true;
    try {
      await git.writeRef({ ...this.refBase(), ref, value: oid, force: true });
    } catch (e) {
      throw fromIoError(e, `updating ${ref}`);
    }
  }

  private async readRefExact(ref: string): Promise<string | null> {
    return this.refs.resolve(ref, 2);
  }

  async deleteRef(ref: string): Promise<void> {
    this.refMoved = true;
    await git.deleteRef({ ...this.refBase(), ref });
  }

  /** Points HEAD at a branch (symbolic) or a commit (detached). */
  async setHead(target: { branch: string } | { commit: string }): Promise<void> {
    await this.flushObjects();
    this.refMoved = true;
    if ('branch' in target) await git.writeRef({ ...this.refBase(), ref: 'HEAD', value: `refs/heads/${target.branch}`, symbolic: true, force: true });
    else await git.writeRef({ ...this.refBase(), ref: 'HEAD', value: target.commit, force: true });
  }

  async listBranches(): Promise<string[]> {
    return this.refs.list('refs/heads');
  }

  async listTags(): Promise<string[]> {
    return this.refs.list('refs/tags');
  }

  async writeAnnotatedTag(name: string, commit: string, message: string, tagger: Person): Promise<string> {
    const who = { name: tagger.name, email: tagger.email, timestamp: tagger.timestamp ?? Math.floor(Date.now() / 1000), timezoneOffset: tagger.timezoneOffset ?? new Date().getTimezoneOffset() };
    const oid = await git.writeTag({ ...this.base(), tag: { object: commit, type: 'commit', tag: name, tagger: who, message: message.endsWith('\n') ? message : message + '\n' } });
    return oid;
  }

  /** The type of object `oid`, or undefined when the store does not hold it. */
  async objectType(oid: string): Promise<RawObject['type'] | undefined> {
    return (await this.readRaw(oid))?.type;
  }

  /** Follows annotated tags down to the object they name. */
  async peel(oid: string): Promise<string> {
    const obj = await this.readPeeled(oid);
    if (obj === undefined) throw new FvError('UNKNOWN_REF', `object ${oid} not found`);
    return obj.oid;
  }

  async expandOid(prefix: string): Promise<string | null> {
    const matches = this.objects.expand(prefix);
    if (matches !== undefined) {
      if (matches.length > 1) throw new FvError('UNKNOWN_REF', `abbreviated id ${prefix} is ambiguous`, { hint: 'use more digits' });
      return matches[0] ?? null;
    }
    // A pack this reader cannot index: isomorphic-git can.
    try {
      return await git.expandOid({ ...this.base(), oid: prefix });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'NotFoundError') return null;
      if (code === 'AmbiguousError') throw new FvError('UNKNOWN_REF', `abbreviated id ${prefix} is ambiguous`, { hint: 'use more digits' });
      throw e;
    }
  }

  async findMergeBase(a: string, b: string): Promise<string | null> {
    // Commits of a shallow clone's boundary have parents git does not have: walk no further.
    const shallowFile = path.join(this.gitdir, 'shallow');
    const shallow = new Set(nodeFs.existsSync(shallowFile) ? nodeFs.readFileSync(shallowFile, 'utf8').split('\n').filter(Boolean) : []);
    const parents = new Map<string, string[]>();
    const parentsOf = async (oid: string): Promise<string[]> => {
      let ps = parents.get(oid);
      if (ps === undefined) parents.set(oid, (ps = shallow.has(oid) ? [] : (await this.readCommit(oid)).parents));
      return ps;
    };
    return (await mergeBases(a, b, parentsOf))[0] ?? null;
  }

  async getConfig(key: string): Promise<string | undefined> {
    const v: unknown = await git.getConfig({ ...this.base(), path: key });
    return typeof v === 'string' ? v : undefined;
  }

  async setConfig(key: string, value: string | boolean): Promise<void> {
    await git.setConfig({ ...this.refBase(), path: key, value });
  }
}
