/**
 * Stores the new objects of a command, loose or in one pack, and can take
 * them back if the command fails.
 *
 * A command's first objects are held in memory. Once it has more than
 * PACK_MIN_OBJECTS new objects (or HOLD_MAX_BYTES of them), a pack is
 * opened (pack-writer.ts) and they, and every later object, go into it.
 * A command that stays below that (a commit of a small table, a tag, a
 * merge of a few chunks) writes loose objects when it flushes, as before:
 * many small packs would each cost every lookup an index search, and git
 * itself unpacks fetches of fewer than 100 objects (transfer.unpackLimit).
 *
 * Everything stored is readable in this process at once: held objects from
 * memory, objects in the open pack once it is sealed (the reader asks for
 * that), the rest from disk.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { atomicFsForGit, type AtomicGitFs } from './atomic-fs.js';
import { deflateLooseObject, type LooseObjectType } from './loose-object.js';
import type { RawObject } from './object-reader.js';
import { PackWriter } from './pack-writer.js';

/** New objects of one command from which they go into a pack: git's transfer.unpackLimit. */
const PACK_MIN_OBJECTS = 100;
/** Held bytes from which a pack is opened even for fewer objects: what holding may cost in memory. */
const HOLD_MAX_BYTES = 16 << 20;

/** FV_PACK_MIN_OBJECTS (tests use small ones to pack small imports), else PACK_MIN_OBJECTS. */
function packMinObjects(): number {
  const n = Number(process.env.FV_PACK_MIN_OBJECTS);
  return Number.isInteger(n) && n > 0 ? n : PACK_MIN_OBJECTS;
}

export class ObjectWriter {
  /** Loose object files created since the last checkpoint, so a failed command can take them back. */
  private created: string[] = [];
  /** Installed packs' files since the last checkpoint, each .pack before its .idx. */
  private installed: string[] = [];
  /**
   * Objects: written without fsync, then fsynced in one batch by flush()
   * before a ref points at them. isomorphic-git writes a loose object only
   * when it does not exist yet, so every write seen here is an object this
   * process created.
   */
  readonly fs: AtomicGitFs = atomicFsForGit({ fsync: false, onWrite: (p) => this.created.push(p) });
  /** Objects written to disk (loose or in an installed pack) since the last checkpoint. */
  private stored = new Set<string>();
  /** Objects not on disk yet: waiting for the command's size to choose loose or pack. */
  private readonly held = new Map<string, RawObject>();
  private heldBytes = 0;
  /** New objects since the last checkpoint: past packMinObjects() they go into a pack. */
  private newObjects = 0;
  private pack: PackWriter | null = null;
  private opening: Promise<void> | null = null;
  /** A pack being finished: its objects are not in `stored` yet. */
  private sealing: { pack: PackWriter; done: Promise<void> } | null = null;
  /**
   * Names of the loose objects in each objects/xx directory, read once per
   * directory and command. An import asks about one object per chunk: an
   * access() call each was ~10% of a 100k-row import's profile; 256 readdirs
   * replace them. Cleared by checkpoint(), so a long-lived writer never
   * trusts a listing from before another process (git gc) could prune it.
   */
  private looseNames = new Map<string, Set<string>>();

  constructor(private readonly gitdir: string) {}

  /** Whether this writer has the object: stored since the checkpoint, held, or in the pack being written. */
  has(oid: string): boolean {
    return this.stored.has(oid) || this.held.has(oid) || this.inOpenPack(oid);
  }

  /** Whether the object is in a pack not installed yet: sealPack() makes it readable. */
  inOpenPack(oid: string): boolean {
    return this.pack?.has(oid) === true || this.sealing?.pack.has(oid) === true;
  }

  /** An object held in memory, not on disk yet. */
  heldObject(oid: string): RawObject | undefined {
    const obj = this.held.get(oid);
    // A copy: the caller may change it, the bytes still have to be written.
    return obj && { type: obj.type, data: Buffer.from(obj.data) };
  }

  async hasLoose(oid: string): Promise<boolean> {
    return (await this.looseDir(oid.slice(0, 2))).has(oid.slice(2));
  }

  /**
   * Stores a new object (the caller checked that it does not exist). Resolves
   * once it is held or queued for the pack; `body` must not change afterwards.
   */
  async write(oid: string, type: LooseObjectType, body: Uint8Array): Promise<void> {
    if (this.has(oid)) return;
    this.newObjects++;
    if (this.pack !== null) return this.pack.add(oid, type, body);
    this.held.set(oid, { type, data: body as Buffer });
    this.heldBytes += body.length;
    if (this.newObjects >= packMinObjects() || this.heldBytes >= HOLD_MAX_BYTES) await this.openPack();
  }

  /** Opens the pack (once) and moves the held objects into it, also those held while it opened. */
  private openPack(): Promise<void> {
    this.opening ??= (async () => {
      try {
        const pack = await PackWriter.open(path.join(this.gitdir, 'objects', 'pack'));
        this.pack = pack;
        for (const [oid, obj] of this.held) {
          // add() registers the object before it awaits: it is always either held or in the pack.
          const added = pack.add(oid, obj.type as LooseObjectType, obj.data);
          this.held.delete(oid);
          await added;
        }
        this.heldBytes = 0;
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  /** Finishes and installs the open pack, if any; later objects go into a new one. */
  async sealPack(): Promise<void> {
    await this.opening;
    if (this.sealing !== null) return this.sealing.done;
    const pack = this.pack;
    if (pack === null) return;
    this.pack = null;
    const done = (async () => {
      try {
        const { pack: packFile, idx } = await pack.finish();
        this.installed.push(packFile, idx);
        for (const oid of pack.objectIds()) this.stored.add(oid);
      } finally {
        this.sealing = null;
      }
    })();
    this.sealing = { pack, done };
    return done;
  }

  /** Puts everything stored so far on disk and makes it durable: call before a ref (or working state) names it. */
  async flush(): Promise<void> {
    await this.sealPack();
    for (const [oid, obj] of [...this.held]) {
      await this.writeLoose(oid, deflateLooseObject(obj.type as LooseObjectType, obj.data));
      this.held.delete(oid);
      this.stored.add(oid);
    }
    this.heldBytes = 0;
    await this.fs.flush();
  }

  /**
   * Forgets the objects held and the pack not yet installed (nothing durable
   * can name them: flush() comes first), and unless `keepWritten`, removes
   * the loose objects and packs written since the last checkpoint.
   */
  async discard(keepWritten: boolean): Promise<void> {
    await this.opening?.catch(() => undefined);
    const pack = this.pack;
    this.pack = null;
    await pack?.abort();
    await this.sealing?.done.catch(() => undefined);
    this.held.clear();
    this.heldBytes = 0;
    // An .idx before its .pack: no reader ever finds an index without its pack.
    if (!keepWritten) for (const file of [...this.installed].reverse().concat(this.created)) nodeFs.rmSync(file, { force: true });
    this.checkpoint();
  }

  /** Starts a new command: forgets what was written (a failure will not take it back) and the loose listings. */
  checkpoint(): void {
    this.looseNames.clear();
    this.created = [];
    this.installed = [];
    this.stored = new Set();
    this.newObjects = 0;
  }

  private async looseDir(dir: string): Promise<Set<string>> {
    let names = this.looseNames.get(dir);
    if (names === undefined) {
      let listed: string[] = [];
      try {
        listed = await nodeFs.promises.readdir(path.join(this.gitdir, 'objects', dir));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      names = new Set(listed);
      this.looseNames.set(dir, names);
    }
    return names;
  }

  /**
   * Writes an already deflated loose object straight through the atomic fs
   * (temp file + rename, remembered for the batched fsync and for discard),
   * creating objects/xx once: going through isomorphic-git cost a stat per
   * object and, for each new directory, a failed open, a failed unlink and a
   * retry.
   */
  private async writeLoose(oid: string, deflated: Uint8Array): Promise<void> {
    const names = await this.looseDir(oid.slice(0, 2));
    const file = path.join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    if (names.size === 0) await this.fs.promises.mkdir(path.dirname(file)).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    });
    await this.fs.promises.writeFile(file, deflated);
    names.add(oid.slice(2));
  }
}
