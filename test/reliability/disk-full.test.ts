/**
 * Full disk: an import or commit that runs out of space fails with a clear
 * error and leaves the repository exactly as it was. The repository lives on
 * a small tmpfs (needs root to mount; skipped otherwise).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, ok, tempDir, treeState } from '../helpers.js';

function mountTiny(sizeKb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = tempDir('fv-tiny-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  return r.status === 0 ? dir : null;
}

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

function bigCsv(rows: number): string {
  const lines = ['id,text,score'];
  // Random-looking text so that compression cannot make it small.
  let x = 12345;
  for (let i = 0; i < rows; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    lines.push(`${i},${x.toString(36)}${(x * 7).toString(36)}${(x * 13).toString(36)},${x % 1000}`);
  }
  return lines.join('\n') + '\n';
}

const tiny = mountTiny(1024);
if (tiny) mounts.push(tiny);

describe.skipIf(tiny === null)('disk full', () => {
  it('an import that runs out of space fails cleanly and changes nothing', () => {
    const repo = path.join(tiny!, 'repo');
    fs.mkdirSync(repo);
    ok(repo, ['init']);
    ok(repo, ['import', dataFile('small.csv', 'id,v\n1,a\n2,b\n'), '--table', 'small', '--key', 'id']);
    ok(repo, ['commit', '-m', 'small']);
    const before = treeState(repo);
    fails(repo, ['import', dataFile('huge.csv', bigCsv(200_000)), '--table', 'big', '--key', 'id'], /no space left on device/);
    expect(treeState(repo)).toEqual(before);
    expect(fs.existsSync(path.join(repo, '.git', 'fv.lock'))).toBe(false);
    // the repository still works
    expect(ok(repo, ['export', 'small'])).toBe('id,v\n1,a\n2,b\n');
    expectGitClean(repo);
  });

  it('a commit that runs out of space fails cleanly, leaves the branch where it was, and works once there is room', () => {
    const repo = path.join(tiny!, 'repo2');
    fs.mkdirSync(repo);
    ok(repo, ['init']);
    ok(repo, ['import', dataFile('c1.csv', 'id,v\n1,a\n'), '--table', 'one', '--key', 'id']);
    ok(repo, ['commit', '-m', 'first']);
    ok(repo, ['import', dataFile('c2.csv', bigCsv(2000)), '--table', 'two', '--key', 'id']);
    // Fill the file system so that the commit's trees and commit object do not fit.
    const filler = path.join(tiny!, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
    } catch {
      // ENOSPC: the filler took all the space there was
    }
    const before = treeState(repo);
    fails(repo, ['commit', '-m', 'second'], /no space left on device/);
    expect(treeState(repo)).toEqual(before);
    fs.rmSync(filler);
    ok(repo, ['commit', '-m', 'second']);
    expect(JSON.parse(ok(repo, ['log', '--json'])).map((e: { message: string }) => e.message)).toEqual(['second', 'first']);
    expectGitClean(repo);
  });
});
