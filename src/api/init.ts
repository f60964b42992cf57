/** `fv init [dir]`: a git repository (branch main) with fv's settings file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError, fromIoError } from '../errors/FvError.js';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import { GitRepo } from '../storage/git.js';
import { canonicalJson } from '../table/canonical-json.js';
import { configureSparseCheckout } from '../versioning/index-sync.js';
import { SETTINGS_FILE } from '../versioning/layout.js';

export interface InitResult {
  dir: string;
  /** True when fv was added to an existing git repository. */
  existingGit: boolean;
}

export const SETTINGS = { format: 1 };

export async function initRepository(dir: string): Promise<InitResult> {
  const root = path.resolve(dir);
  if (fs.existsSync(path.join(root, SETTINGS_FILE)) && fs.existsSync(path.join(root, '.git'))) {
    throw new FvError('ALREADY_A_REPOSITORY', `${root} is already an fv repository`);
  }
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) throw new FvError('BAD_USAGE', `${root} exists and is not a directory`);
  const existingGit = fs.existsSync(path.join(root, '.git'));
  try {
    fs.mkdirSync(root, { recursive: true });
    const git = existingGit ? new GitRepo(root) : await GitRepo.init(root);
    await configureSparseCheckout(git);
    await writeFileAtomic(path.join(root, SETTINGS_FILE), canonicalJson(SETTINGS));
  } catch (e) {
    throw fromIoError(e, `creating a repository in ${root}`);
  }
  return { dir: root, existingGit };
}
