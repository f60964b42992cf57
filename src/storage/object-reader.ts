/**
 * Reads git objects the way git looks for them: a loose object first, then
 * the packs (through pack-reader.ts, one entry at a time). Every object read
 * is checked against its id, so a damaged store is reported, never used.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { FvError } from '../errors/FvError.js';
import { PackReader, type GitObjectType, type RawObject } from './pack-reader.js';

export type { GitObjectType, RawObject };

const TYPES = new Set<string>(['commit', 'tree', 'blob', 'tag']);

function damaged(oid: string, what: string): FvError {
  return new FvError('CORRUPT', `git object ${oid} is damaged: ${what}`, { hint: 'run `git fsck --full` to check the repository' });
}

export class ObjectReader {
  private readonly objectsDir: string;
  private readonly packs: PackReader;

  constructor(gitdir: string) {
    this.objectsDir = path.join(gitdir, 'objects');
    this.packs = new PackReader(path.join(this.objectsDir, 'pack'), (oid) => this.read(oid));
  }

  /** Whether a miss in `read`/`has` proves the object is absent (false when a pack has no index this reader can use). */
  get complete(): boolean {
    return this.packs.complete;
  }

  /** The object, or undefined when neither a loose object nor an indexed pack holds it. */
  read(oid: string): RawObject | undefined {
    const obj = this.readLoose(oid) ?? this.packs.read(oid);
    if (obj !== undefined) verify(oid, obj);
    return obj;
  }

  /**
   * Every object id starting with `prefix` (at least two lower-case hex
   * digits), loose or packed; undefined when a pack without a usable index
   * means the answer could be incomplete.
   */
  expand(prefix: string): string[] | undefined {
    if (prefix.length < 2) throw new Error('an abbreviated id needs at least two digits');
    if (!this.complete) return undefined;
    const found = new Set(this.packs.withPrefix(prefix));
    const dir = prefix.slice(0, 2);
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(this.objectsDir, dir));
    } catch {
      // No loose objects under this prefix.
    }
    for (const name of names) if ((dir + name).startsWith(prefix) && name.length === 38) found.add(dir + name);
    return [...found];
  }

  has(oid: string): boolean {
    return fs.existsSync(this.loosePath(oid)) || this.packs.has(oid);
  }

  private loosePath(oid: string): string {
    return path.join(this.objectsDir, oid.slice(0, 2), oid.slice(2));
  }

  private readLoose(oid: string): RawObject | undefined {
    let stored: Buffer;
    try {
      stored = fs.readFileSync(this.loosePath(oid));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let bytes: Buffer;
    try {
      bytes = inflateSync(stored);
    } catch {
      throw damaged(oid, 'not zlib data');
    }
    // "<type> <size>\0<content>"
    const nul = bytes.indexOf(0);
    const header = nul < 0 ? '' : bytes.subarray(0, nul).toString('latin1');
    const m = /^([a-z]+) (\d+)$/.exec(header);
    if (m === null || !TYPES.has(m[1]!)) throw damaged(oid, 'bad header');
    // A copy, not a view past the header: typed-array readers (Arrow) need the content 8-byte aligned.
    const data = Buffer.from(bytes.subarray(nul + 1));
    if (data.length !== Number(m[2])) throw damaged(oid, `header says ${m[2]} bytes, holds ${data.length}`);
    return { type: m[1] as GitObjectType, data };
  }
}

function verify(oid: string, obj: RawObject): void {
  const actual = createHash('sha1').update(`${obj.type} ${obj.data.length}\0`).update(obj.data).digest('hex');
  if (actual !== oid) throw damaged(oid, `its content hashes to ${actual}`);
}
