/** Listing files under a directory of the git directory (refs, reflogs, fv's own state). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every regular file under `dir` (not following symlinks), skipping directories `skip` says no to. */
export function* walkFiles(dir: string, skip: (name: string) => boolean = () => false): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !skip(e.name)) yield* walkFiles(p, skip);
    else if (e.isFile()) yield p;
  }
}
