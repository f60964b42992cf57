/**
 * Where fv keeps things, in commits and on disk, and the rules for names
 * that users give (tables, branches, tags). docs/FORMAT.md describes the same.
 */
import { FvError } from '../errors/FvError.js';

/** Settings file at the repository root (tracked). */
export const SETTINGS_FILE = 'fv.json';
/** Feature, source, training-set and check definitions (tracked, user-edited). */
export const DEFINITIONS_FILE = 'features.json';
/** Root of fv's data in every commit tree; never materialised in the work tree. */
export const DATA_DIR = '.fv';
export const TABLES_DIR = '.fv/tables';
export const MANIFEST_FILE = 'manifest.json';
export const CHUNKS_DIR = 'chunks';

/** fv's private state inside .git (working state, merge state): not versioned. */
export const STATE_DIR = 'fv';

const TABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function checkTableName(name: string): string {
  if (!TABLE_NAME.test(name) || name === '.' || name === '..' || name.includes('..')) {
    throw new FvError('BAD_NAME', `invalid table name ${JSON.stringify(name)}`, { hint: 'table names are 1-128 characters of letters, digits, "_", "." and "-", starting with a letter, digit or "_"' });
  }
  return name;
}

/** Branch and tag names: git's check-ref-format rules, plus no leading "-". */
export function checkRefName(name: string, what: 'branch' | 'tag'): string {
  const bad =
    name.length === 0 || name.length > 200 || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.') ||
    name.endsWith('.lock') || name.includes('..') || name.includes('//') || name.includes('@{') || name === '@' || name === 'HEAD' ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.split('/').some((p) => p.startsWith('.') || p.endsWith('.lock'));
  if (bad) throw new FvError('BAD_NAME', `invalid ${what} name ${JSON.stringify(name)}`);
  return name;
}
