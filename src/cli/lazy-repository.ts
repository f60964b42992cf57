/**
 * The library facade, loaded when a command runs rather than when the CLI
 * starts, so `fv --version`, `fv --help` and flag errors load neither git
 * nor the table modules.
 */
import type { CloneOptions, CloneResult } from '../api/remote-clone.js';
import type { Repository } from '../api/repository.js';

export async function openRepository(dir?: string): Promise<Repository> {
  return (await import('../api/repository.js')).openRepository(dir);
}

export async function initRepository(dir?: string): Promise<Repository> {
  return (await import('../api/repository.js')).initRepository(dir);
}

export async function cloneRepository(url: string, dir?: string, opts: CloneOptions = {}): Promise<{ repo: Repository; result: CloneResult }> {
  return (await import('../api/repository.js')).cloneRepository(url, dir, opts);
}
