/**
 * Guards that keep names and paths from escaping or damaging the
 * repository (docs/FORMAT.md section 8, "Names and paths"):
 * - fv's own files in the work tree (features.json, fv.json) and its state
 *   directory .git/fv must be real files and directories, not symbolic
 *   links: reading through one would commit a file from outside the
 *   repository, writing through one would change it.
 * - output files the user names (-o, --lock) may be anywhere except inside
 *   .git, where they could overwrite refs or objects (checked after
 *   resolving symbolic links, so a link into .git is caught too).
 * - names that differ only in case collide on case-insensitive file
 *   systems (refs are files), so a new name may not case-fold to an
 *   existing one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Refuses a path that is a symbolic link (a missing path is fine). */
export function refuseSymlink(p: string, shown: string): void {
  if (isSymlink(p)) {
    throw new FvError('UNSUPPORTED', `${shown} is a symbolic link; fv only reads and writes it as a regular file`, { hint: `replace the link with a copy of the file it points to` });
  }
}

/** The real path of `p`, resolving links in its nearest existing ancestor (p itself may not exist yet). */
function realPathOfParent(p: string): string {
  let dir = path.dirname(path.resolve(p));
  const rest: string[] = [path.basename(p)];
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...rest);
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return path.resolve(p);
      rest.unshift(path.basename(dir));
      dir = up;
    }
  }
}

/** Refuses an output path inside the repository's .git directory. */
export function refuseInsideGitDir(gitdir: string, file: string): void {
  let git: string;
  try {
    git = fs.realpathSync(gitdir);
  } catch {
    return;
  }
  const target = realPathOfParent(file);
  const rel = path.relative(git, target);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new FvError('BAD_USAGE', `refusing to write ${file}: it is inside the repository's .git directory`, { hint: 'write the output somewhere else' });
  }
}

/** An existing name equal to `name` ignoring case but not equal to it, or null. */
export function caseCollision(existing: Iterable<string>, name: string): string | null {
  const folded = name.toLowerCase();
  for (const e of existing) if (e !== name && e.toLowerCase() === folded) return e;
  return null;
}
