/**
 * Reads single objects out of git packfiles without loading the pack.
 *
 * isomorphic-git reads a whole .pack into memory to get any object in it
 * (isomorphic-git #291, #1205): after `git gc` packs every version of a
 * large table into one file, exporting a small table would cost the size of
 * the pack in RAM. Here an object is found through the pack's .idx (v2),
 * its entry alone is read by offset with positioned reads, inflated, and
 * delta chains (OFS_DELTA, REF_DELTA) are resolved against a small cache of
 * recently rebuilt bases. Memory is the .idx files (28 bytes per object)
 * plus the objects actually asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { FvError } from '../errors/FvError.js';
import { applyDelta } from './git-delta.js';

export type GitObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface RawObject {
  type: GitObjectType;
  data: Buffer;
}

const TYPE_NAMES: Record<number, GitObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Longer chains than git ever writes (its --depth caps at 4095) mean a damaged pack, not a deep one. */
const MAX_CHAIN = 10_000;
const IDX_MAGIC = 0xff744f63; // "\377tOc"

function corrupt(file: string, what: string): FvError {
  return new FvError('CORRUPT', `damaged git pack ${path.basename(file)}: ${what}`, { hint: 'run `git fsck --full` to check the repository' });
}

/** A version-2 pack index: fanout, sorted object ids, CRCs, 4-byte offsets, 8-byte offsets. */
export class PackIndex {
  readonly count: number;
  private readonly buf: Buffer;
  private readonly oidsAt: number;
  private readonly offsetsAt: number;
  private readonly largeAt: number;
  /** Every entry's offset in pack order, built on first need: an entry ends where the next begins. */
  private sorted: Float64Array | undefined;

  /** Parses an .idx; returns undefined for formats this reader does not know (v1), so callers can fall back. */
  static parse(buf: Buffer, file: string): PackIndex | undefined {
    if (buf.length < 8 || buf.readUInt32BE(0) !== IDX_MAGIC || buf.readUInt32BE(4) !== 2) return undefined;
    return new PackIndex(buf, file);
  }

  private constructor(buf: Buffer, file: string) {
    this.buf = buf;
    if (buf.length < 8 + 256 * 4 + 40) throw corrupt(file, 'index too short');
    this.count = buf.readUInt32BE(8 + 255 * 4);
    this.oidsAt = 8 + 256 * 4;
    this.offsetsAt = this.oidsAt + this.count * 24; // after the ids (20 bytes each) and CRCs (4 each)
    this.largeAt = this.offsetsAt + this.count * 4;
    if (buf.length < this.largeAt + 40) throw corrupt(file, 'index too short for its object count');
  }

  private oidAt(i: number): Buffer {
    return this.buf.subarray(this.oidsAt + i * 20, this.oidsAt + i * 20 + 20);
  }

  private offsetAt(i: number): number {
    const small = this.buf.readUInt32BE(this.offsetsAt + i * 4);
    if ((small & 0x80000000) === 0) return small;
    // High bit set: the low 31 bits index the table of 8-byte offsets (packs over 2 GiB).
    const at = this.largeAt + (small & 0x7fffffff) * 8;
    return Number(this.buf.readBigUInt64BE(at));
  }

  /** The pack offset of `oid` (20 raw bytes), or undefined if this pack does not hold it. */
  find(oid: Buffer): number | undefined {
    const first = oid[0]!;
    let lo = first === 0 ? 0 : this.buf.readUInt32BE(8 + (first - 1) * 4);
    let hi = this.buf.readUInt32BE(8 + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.oidAt(mid).compare(oid);
      if (c === 0) return this.offsetAt(mid);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** Every object id (hex) in this pack, in id order. */
  *ids(): Generator<string> {
    for (let i = 0; i < this.count; i++) yield this.oidAt(i).toString('hex');
  }

  /** Ids (hex) of the objects in this pack that start with `prefix` (at least two lower-case hex digits). */
  withPrefix(prefix: string): string[] {
    // The fan-out table bounds the search to the ids sharing the first byte.
    const first = parseInt(prefix.slice(0, 2), 16);
    const end = this.buf.readUInt32BE(8 + first * 4);
    const found: string[] = [];
    for (let i = first === 0 ? 0 : this.buf.readUInt32BE(8 + (first - 1) * 4); i < end; i++) {
      const hex = this.oidAt(i).toString('hex');
      if (hex.startsWith(prefix)) found.push(hex);
    }
    return found;
  }

  /** Where the entry at `offset` ends: the next entry's offset, or the pack's trailing checksum. */
  endOf(offset: number, packSize: number): number {
    if (this.sorted === undefined) {
      const s = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) s[i] = this.offsetAt(i);
      this.sorted = s.sort();
    }
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < s.length ? s[lo]! : packSize - 20;
  }
}

interface Pack {
  file: string;
  index: PackIndex;
}

/** An entry as stored: a whole object, or a delta against a base named by offset or id. */
type Entry =
  | { kind: 'whole'; type: GitObjectType; data: Buffer }
  | { kind: 'ofs'; base: number; delta: Buffer }
  | { kind: 'ref'; base: Buffer; delta: Buffer };

/** Rebuilt objects that deltas were applied to, most recent last, bounded in bytes. */
class BaseCache {
  private readonly map = new Map<string, RawObject>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: string): RawObject | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: RawObject): void {
    if (value.data.length > this.maxBytes / 4 || this.map.has(key)) return;
    this.map.set(key, value);
    this.bytes += value.data.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.data.length;
    }
  }
}

/**
 * The packs of one object store. `read` answers from the packs whose .idx
 * this reader understands; `complete` says whether that is all of them
 * (otherwise a miss here is not proof the object is absent).
 */
/**
 * A listing taken this soon after the directory's last change may have
 * missed a pack renamed in within the same timestamp tick (file systems keep
 * mtimes as coarse as 1-2 s): a miss then lists the directory again.
 */
const RACY_MS = 2000;

export class PackReader {
  private packs: Pack[] = [];
  private complete_ = true;
  /** The directory's mtime when it was last listed, and when that was. */
  private scannedAt: number | undefined;
  private listedAt = 0;
  private readonly cache = new BaseCache(32 * 1024 * 1024);

  /**
   * @param packDir `objects/pack` of the repository
   * @param readElsewhere reads an object outside this pack (loose or in another pack), for REF_DELTA bases
   */
  constructor(
    private readonly packDir: string,
    private readonly readElsewhere: (oid: string) => RawObject | undefined,
  ) {}

  /** Whether every pack present has an index this reader can use. */
  get complete(): boolean {
    this.refresh();
    return this.complete_;
  }

  /**
   * Re-lists the packs when the directory changed (a `git gc` or fetch since
   * the last look). One stat per call keeps misses (an import asking about
   * every new chunk) cheap. Indexes already parsed are kept: packs never
   * change, they only come and go.
   */
  private refresh(force = false): void {
    let mtime: number;
    try {
      mtime = fs.statSync(this.packDir).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mtime = -1;
    }
    if (!force && mtime === this.scannedAt) return;
    this.scannedAt = mtime;
    this.listedAt = Date.now();
    const known = new Map(this.packs.map((p) => [p.file, p]));
    this.packs = [];
    this.complete_ = true;
    if (mtime === -1) return;
    for (const name of fs.readdirSync(this.packDir).sort()) {
      if (!name.endsWith('.pack')) continue;
      const file = path.join(this.packDir, name);
      const seen = known.get(file);
      if (seen !== undefined) {
        this.packs.push(seen);
        continue;
      }
      let index: PackIndex | undefined;
      try {
        index = PackIndex.parse(fs.readFileSync(file.slice(0, -5) + '.idx'), file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (index === undefined) this.complete_ = false;
      else this.packs.push({ file, index });
    }
  }

  /** After a miss: whether the listing may predate a pack added since (same mtime tick), and so was redone. */
  private relistedAfterMiss(): boolean {
    if (this.scannedAt === undefined || this.listedAt - this.scannedAt >= RACY_MS) return false;
    this.refresh(true);
    return true;
  }

  private locate(oid: Buffer): { pack: Pack; offset: number } | undefined {
    for (const pack of this.packs) {
      const offset = pack.index.find(oid);
      if (offset !== undefined) return { pack, offset };
    }
    return undefined;
  }

  has(oid: string): boolean {
    this.refresh();
    const raw = Buffer.from(oid, 'hex');
    return this.locate(raw) !== undefined || (this.relistedAfterMiss() && this.locate(raw) !== undefined);
  }

  /** Ids in the indexed packs that start with `prefix` (lower-case hex). */
  withPrefix(prefix: string): string[] {
    this.refresh();
    return this.packs.flatMap((p) => p.index.withPrefix(prefix));
  }

  /** The object, or undefined when no indexed pack holds it. */
  read(oid: string): RawObject | undefined {
    const raw = Buffer.from(oid, 'hex');
    this.refresh();
    for (let attempt = 0; attempt < 2; attempt++) {
      const at = this.locate(raw) ?? (this.relistedAfterMiss() ? this.locate(raw) : undefined);
      if (at === undefined) return undefined;
      try {
        return this.resolve(at.pack, at.offset);
      } catch (e) {
        // The pack went away under us (a concurrent `git gc` repacked it): list the packs again and retry once.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.refresh(true);
      }
    }
    return undefined;
  }

  /** Rebuilds the object at `offset`: walks down its delta chain to a whole object, then applies the deltas upward. */
  private resolve(pack: Pack, offset: number): RawObject {
    const fd = fs.openSync(pack.file, 'r');
    try {
      const packSize = fs.fstatSync(fd).size;
      const deltas: { key: string; delta: Buffer }[] = [];
      let base: RawObject | undefined;
      let at = offset;
      while (base === undefined) {
        const key = `${pack.file}:${at}`;
        base = this.cache.get(key);
        // Asked for a cached base itself: hand out a copy, so a caller that changes its bytes cannot change the cache.
        if (base !== undefined && deltas.length === 0) return { type: base.type, data: Buffer.from(base.data) };
        if (base !== undefined) break;
        if (deltas.length > MAX_CHAIN) throw corrupt(pack.file, 'delta chain too long');
        const entry = readEntry(fd, pack, at, packSize);
        if (entry.kind === 'whole') {
          base = { type: entry.type, data: entry.data };
          if (deltas.length > 0) this.cache.set(key, base);
        } else if (entry.kind === 'ofs') {
          deltas.push({ key, delta: entry.delta });
          at = entry.base;
        } else {
          deltas.push({ key, delta: entry.delta });
          const inPack = pack.index.find(entry.base);
          if (inPack !== undefined) at = inPack;
          else {
            base = this.readElsewhere(entry.base.toString('hex'));
            if (base === undefined) throw corrupt(pack.file, `delta base ${entry.base.toString('hex')} is missing`);
          }
        }
      }
      for (let i = deltas.length - 1; i >= 0; i--) {
        base = { type: base.type, data: applyDelta(base.data, deltas[i]!.delta) };
        // Intermediate results are the bases of the deltas above them; the object asked for is not cached.
        if (i > 0) this.cache.set(deltas[i]!.key, base);
      }
      return base;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Reads and inflates the one pack entry at `offset`, bounded by where the next entry starts. */
function readEntry(fd: number, pack: Pack, offset: number, packSize: number): Entry {
  const end = pack.index.endOf(offset, packSize);
  if (offset < 12 || end <= offset || end > packSize) throw corrupt(pack.file, `bad offset ${offset}`);
  const buf = Buffer.allocUnsafe(end - offset);
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, offset + got);
    if (n === 0) throw corrupt(pack.file, 'truncated');
    got += n;
  }
  let pos = 0;
  const next = (): number => {
    if (pos >= buf.length) throw corrupt(pack.file, `truncated entry at ${offset}`);
    return buf[pos++]!;
  };
  // Header: type in bits 4-6 of the first byte, size as a varint starting with its low 4 bits.
  let c = next();
  const typeCode = (c >> 4) & 7;
  let size = c & 15;
  let scale = 16;
  while (c & 0x80) {
    c = next();
    size += (c & 0x7f) * scale;
    scale *= 128;
  }
  const inflate = (): Buffer => {
    let out: Buffer;
    try {
      out = inflateSync(buf.subarray(pos));
    } catch {
      throw corrupt(pack.file, `entry at ${offset} is not zlib data`);
    }
    if (out.length !== size) throw corrupt(pack.file, `entry at ${offset} inflates to ${out.length} bytes, header says ${size}`);
    return out;
  };
  if (typeCode === OFS_DELTA) {
    // The base's distance back from this entry, big-endian base-128 with an added 1 per continuation byte.
    c = next();
    let back = c & 0x7f;
    while (c & 0x80) {
      c = next();
      back = (back + 1) * 128 + (c & 0x7f);
    }
    if (back <= 0 || back > offset) throw corrupt(pack.file, `delta at ${offset} points outside the pack`);
    return { kind: 'ofs', base: offset - back, delta: inflate() };
  }
  if (typeCode === REF_DELTA) {
    if (pos + 20 > buf.length) throw corrupt(pack.file, `truncated entry at ${offset}`);
    const base = Buffer.from(buf.subarray(pos, pos + 20));
    pos += 20;
    return { kind: 'ref', base, delta: inflate() };
  }
  const type = TYPE_NAMES[typeCode];
  if (type === undefined) throw corrupt(pack.file, `unknown entry type ${typeCode} at ${offset}`);
  return { kind: 'whole', type, data: inflate() };
}
