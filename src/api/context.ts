/**
 * The state every operation starts from: the git repository, where HEAD is,
 * and helpers to read snapshots, manifests and the working definitions.
 * Mutating operations run inside `withLock`, which holds the repository
 * lock for the whole command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { GitRepo, gitBlobId } from '../storage/git.js';
import { acquireRepoLock } from '../storage/repo-lock.js';
import { refuseSymlink } from '../storage/safe-paths.js';
import type { TableManifest } from '../table/manifest.js';
import { DEFINITIONS_FILE, SETTINGS_FILE, STATE_DIR } from '../versioning/layout.js';
import type { Snapshot } from '../versioning/snapshot.js';
import { readManifest, readSnapshot } from '../versioning/snapshot.js';
import { resolveRev } from '../versioning/revs.js';
import type { WorkingState } from '../versioning/working.js';
import { loadWorking } from '../versioning/working.js';

export class RepoContext {
  readonly git: GitRepo;
  private manifests = new Map<string, TableManifest>();

  constructor(readonly dir: string) {
    this.git = new GitRepo(dir);
    // fv's private state (.git/fv) must stay inside the repository.
    refuseSymlink(path.join(this.git.gitdir, STATE_DIR), '.git/fv');
  }

  /** Finds the repository containing `start` (a directory with .git and fv.json). */
  static find(start: string): RepoContext {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, '.git')) && fs.existsSync(path.join(dir, SETTINGS_FILE))) return new RepoContext(dir);
      if (fs.existsSync(path.join(dir, '.git'))) break;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    throw new FvError('NOT_A_REPOSITORY', `not an fv repository: ${path.resolve(start)}`, { hint: 'run `fv init` to create one, or cd into one' });
  }

  /**
   * Runs `fn` holding the repository lock. If it fails before moving any
   * ref, the objects it wrote are removed again, so the repository is left
   * exactly as it was. If it succeeds, every object it wrote is on disk
   * (objects may be held in memory until then, to choose loose or pack).
   */
  async withLock<T>(command: string, fn: () => Promise<T>): Promise<T> {
    const lock = await acquireRepoLock(this.git.gitdir, { command });
    this.git.checkpoint();
    try {
      const result = await fn();
      await this.git.flushObjects();
      return result;
    } catch (e) {
      await this.git.discardCreatedObjects();
      throw e;
    } finally {
      await lock.release();
    }
  }

  async head(): Promise<string | null> {
    return this.git.readRef('HEAD');
  }

  async branch(): Promise<string | null> {
    return this.git.currentBranch();
  }

  async snapshot(commit: string | null): Promise<Snapshot> {
    return readSnapshot(this.git, commit);
  }

  async resolve(rev: string): Promise<string> {
    return resolveRev(this.git, rev);
  }

  async working(head?: string | null, headSnap?: Snapshot): Promise<WorkingState> {
    const h = head === undefined ? await this.head() : head;
    return loadWorking(this.git, h, headSnap);
  }

  async manifest(oid: string, table: string): Promise<TableManifest> {
    let m = this.manifests.get(oid);
    if (!m) {
      m = await readManifest(this.git, oid, table);
      this.manifests.set(oid, m);
    }
    return m;
  }

  /** The working copy of a tracked file (features.json, fv.json): its bytes and blob id, or null if absent. */
  workFile(name: typeof DEFINITIONS_FILE | typeof SETTINGS_FILE): { bytes: Buffer; oid: string } | null {
    const file = path.join(this.dir, name);
    refuseSymlink(file, name);
    if (!fs.existsSync(file)) return null;
    const bytes = fs.readFileSync(file);
    return { bytes, oid: gitBlobId(bytes) };
  }
}
