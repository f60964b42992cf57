/**
 * Reads refs (HEAD, loose refs, packed-refs) straight from the git
 * directory. Read-only commands (diff, log, status, export, checkout of a
 * table) only need to resolve a name or two, and loading isomorphic-git for
 * that cost ~0.25 s of CPU per command. Writing refs stays with
 * isomorphic-git. The lookup rules are isomorphic-git's (GitRefManager), so
 * a name resolves to the same commit whichever reader answers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFiles } from './walk-files.js';

/** Where a short name is looked for, in order (git's own rules, as isomorphic-git applies them). */
function candidates(ref: string): string[] {
  return [ref, `refs/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`, `refs/remotes/${ref}`, `refs/remotes/${ref}/HEAD`];
}

/** Files at the top of a git directory that are not refs, whatever a user names a branch. */
const NOT_REFS = new Set(['config', 'description', 'index', 'shallow', 'commondir']);

const OID = /^[0-9a-f]{40}$/;

/** A file's text, or null when it cannot be read (missing, a directory): as for isomorphic-git, that just means "not here". */
function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** packed-refs as name -> id; a peeled line (`^<id>`) is kept as `<name>^{}`. */
function packedRefs(gitdir: string): Map<string, string> {
  const refs = new Map<string, string>();
  const text = readText(path.join(gitdir, 'packed-refs'));
  if (!text) return refs;
  let last: string | null = null;
  for (const line of text.trim().split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.startsWith('^')) {
      refs.set(`${last}^{}`, line.slice(1));
      continue;
    }
    const space = line.indexOf(' ');
    last = line.slice(space + 1);
    refs.set(last, line.slice(0, space));
  }
  return refs;
}

export class RefReader {
  constructor(private readonly gitdir: string) {}

  /** Read afresh each time: deleting a ref (through isomorphic-git) rewrites packed-refs mid-command. */
  private packedMap(): Map<string, string> {
    return packedRefs(this.gitdir);
  }

  /**
   * What `ref` names: an object id, or with a `depth` limit the name reached
   * when it runs out (so depth 2 on a symbolic ref gives the ref it points
   * at). Null when nothing by that name exists.
   */
  resolve(ref: string, depth?: number): string | null {
    if (depth !== undefined && --depth === -1) return ref;
    if (ref.startsWith('ref: ')) return this.resolve(ref.slice('ref: '.length), depth);
    if (ref.length === 40 && OID.test(ref)) return ref;
    for (const name of candidates(ref)) {
      if (NOT_REFS.has(name)) continue;
      const value = readText(path.join(this.gitdir, name)) || this.packedMap().get(name);
      if (value) return this.resolve(value.trim(), depth);
    }
    return null;
  }

  /** The branch HEAD points at (short name), or null when detached. */
  currentBranch(): string | null {
    const ref = this.resolve('HEAD', 2);
    if (ref === null || !ref.startsWith('refs/')) return null;
    const m = /^refs\/(heads\/|tags\/|remotes\/)?(.*)/.exec(ref)!;
    return m[1] === 'remotes/' && ref.endsWith('/HEAD') ? m[2]!.slice(0, -'/HEAD'.length) : m[2]!;
  }

  /** Names under `prefix` (e.g. "refs/heads"), loose and packed, without the prefix; peeled entries left out. */
  list(prefix: string): string[] {
    const names = new Set<string>();
    const dir = path.join(this.gitdir, prefix);
    for (const file of walkFiles(dir)) names.add(path.relative(dir, file).split(path.sep).join('/'));
    for (const key of this.packedMap().keys()) {
      if (key.startsWith(`${prefix}/`) && !key.endsWith('^{}')) names.add(key.slice(prefix.length + 1));
    }
    return [...names];
  }
}
