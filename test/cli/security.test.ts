/**
 * Names and paths never escape or damage the repository: table, branch and
 * tag names with `..`, absolute paths or separators are refused; names that
 * differ only in case from an existing one are refused (they would collide
 * on case-insensitive file systems); fv's own files (features.json,
 * fv.json, .git/fv) are never read or written through a symbolic link;
 * output files are never written inside .git; definitions are data, never
 * executed. Every refusal leaves the repository byte-for-byte as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, newRepo, ok, ROOT, tempDir, treeState, writeFile } from '../helpers.js';

let repo: string;
const csv = (): string => dataFile('sec.csv', 'id,name\n1,ana\n2,bo\n');

beforeAll(() => {
  repo = newRepo();
  ok(repo, ['import', csv(), '--table', 'Users', '--key', 'id']);
  writeFile(repo, 'features.json', '{"entities": {"user": {"keys": ["id"]}}}\n');
  ok(repo, ['commit', '-m', 'base']);
  ok(repo, ['tag', 'v1']);
});

function refused(dir: string, args: string[], pattern: RegExp): void {
  const before = treeState(dir);
  fails(dir, args, pattern);
  expect(treeState(dir), args.join(' ')).toEqual(before);
}

describe('names never escape the repository', () => {
  it('table names with .., absolute paths or separators are refused', () => {
    for (const name of ['..', '../x', '../../etc/passwd', '/etc/passwd', 'a/../b', 'a\\b', '.git', 'x/..']) {
      refused(repo, ['import', csv(), '--table', name], /invalid table name/);
      refused(repo, ['export', name], /invalid table name/);
    }
    expect(fs.existsSync(path.join(repo, '..', 'x'))).toBe(false);
  });

  it('branch and tag names with .., absolute paths or git-special sequences are refused', () => {
    for (const name of ['..', '../evil', '/abs', 'a/../b', 'a..b', 'x.lock', 'a//b', 'HEAD@{1}']) {
      refused(repo, ['branch', name], /invalid branch name|branch name/);
      refused(repo, ['tag', name], /invalid tag name|tag name/);
      refused(repo, ['checkout', '-b', name], /invalid branch name|branch name/);
    }
    expect(fs.existsSync(path.join(repo, '.git', 'evil'))).toBe(false);
  });

  it('names that differ only in case from an existing table, branch or tag are refused', () => {
    refused(repo, ['import', csv(), '--table', 'users'], /table users differs only in case from existing table Users/);
    refused(repo, ['import', csv(), '--table', 'USERS'], /differs only in case/);
    refused(repo, ['branch', 'Main'], /branch Main differs only in case from existing branch main/);
    refused(repo, ['checkout', '-b', 'MAIN'], /branch MAIN differs only in case/);
    refused(repo, ['tag', 'V1'], /tag V1 differs only in case from existing tag v1/);
    // The same name is still the same table: a re-import replaces it.
    ok(repo, ['import', csv(), '--table', 'Users']);
    expect(ok(repo, ['status', '--json'])).toMatch(/"Users"/);
  });

  it('a NUL byte in a lock file\'s output name is refused before anything is written', () => {
    const lock = writeFile(tempDir('fv-sec-lock-'), 'x.lock.json', JSON.stringify({
      commit: '0'.repeat(40), definitions: { file: 'features.json', sha256: '0'.repeat(64) }, fv_format: 1,
      output: { file: 'a\u0000b.arrow', format: 'arrow', rows: 1, sha256: '0'.repeat(64) }, tables: {}, training_set: 'ts',
    }));
    refused(repo, ['repro', lock], /not a plain file name/);
  });
});

describe('symbolic links inside the repository pointing outside', () => {
  it('features.json linked to a file outside: refused for reading and never written through', () => {
    const dir = newRepo();
    ok(dir, ['import', csv(), '--table', 't', '--key', 'id']);
    writeFile(dir, 'features.json', '{"entities": {"user": {"keys": ["id"]}}}\n');
    ok(dir, ['commit', '-m', 'one']);
    writeFile(dir, 'features.json', '{"entities": {"person": {"keys": ["id"]}}}\n');
    ok(dir, ['commit', '-m', 'two']);
    const outside = writeFile(tempDir('fv-sec-out-'), 'secret.json', '{"not": "yours"}\n');
    fs.rmSync(path.join(dir, 'features.json'));
    fs.symlinkSync(outside, path.join(dir, 'features.json'));
    for (const args of [['status'], ['check'], ['commit', '-m', 'through the link'], ['checkout', 'HEAD~1'], ['checkout', 'HEAD~1', '--force']]) {
      refused(dir, args, /features\.json is a symbolic link/);
    }
    expect(fs.readFileSync(outside, 'utf8')).toBe('{"not": "yours"}\n');
  });

  it('.git/fv linked to a directory outside: refused, nothing written there', () => {
    const dir = newRepo();
    ok(dir, ['import', csv(), '--table', 't']);
    ok(dir, ['commit', '-m', 'one']);
    const outside = tempDir('fv-sec-state-');
    fs.cpSync(path.join(dir, '.git', 'fv'), outside, { recursive: true });
    fs.rmSync(path.join(dir, '.git', 'fv'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, '.git', 'fv'));
    const outsideBefore = treeState(outside);
    for (const args of [['import', csv(), '--table', 'u'], ['commit', '-m', 'x'], ['status']]) refused(dir, args, /\.git\/fv is a symbolic link/);
    expect(treeState(outside)).toEqual(outsideBefore);
  });

  it('output files are never written inside .git, also through a link; elsewhere -o is the user\'s path', () => {
    const dir = newRepo();
    ok(dir, ['import', csv(), '--table', 't']);
    ok(dir, ['commit', '-m', 'one']);
    fs.symlinkSync(path.join(dir, '.git'), path.join(dir, 'gitlink'));
    for (const out of ['.git/HEAD', '.git/refs/heads/main', path.join(dir, '.git', 'x.csv'), 'gitlink/HEAD', 'gitlink/objects/x.parquet', '.git']) {
      refused(dir, ['export', 't', '-o', out], /inside the repository's \.git directory/);
    }
    // A linked directory outside the repository is where the user pointed: fv writes there, atomically.
    const elsewhere = tempDir('fv-sec-o-');
    fs.symlinkSync(elsewhere, path.join(dir, 'outlink'));
    ok(dir, ['export', 't', '-o', 'outlink/t.csv']);
    expect(fs.readFileSync(path.join(elsewhere, 't.csv'), 'utf8')).toBe('id,name\n1,ana\n2,bo\n');
    fs.rmSync(path.join(dir, 'gitlink'));
    fs.rmSync(path.join(dir, 'outlink'));
    expectGitClean(dir);
  });
});

describe('definitions are data', () => {
  it('__proto__ and constructor keys are plain names and pollute nothing; code is not JSON', async () => {
    const { parseDefinitions } = (await import(path.join(ROOT, 'dist', 'features', 'definitions.js'))) as typeof import('../../src/features/definitions.js');
    const d = parseDefinitions('{"entities": {"__proto__": {"keys": ["id"]}, "constructor": {"keys": ["k"]}}}');
    expect([...d.entities.keys()]).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).keys).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'keys')).toBe(false);
    const dir = newRepo();
    const marker = path.join(dir, 'executed');
    writeFile(dir, 'features.json', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')\n`);
    refused(dir, ['check'], /features\.json: not valid JSON/);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
