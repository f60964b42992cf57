/**
 * fv in a repository that native git has packed (`git gc`): every command
 * that reads history must give the same answers as before the gc, because
 * fv reads packed objects itself (through the pack index) instead of
 * through isomorphic-git. Re-importing data that is already packed must not
 * write loose copies of its chunks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, git, newRepo, ok, okAsync } from '../helpers.js';

function events(rows: number, changed: (i: number) => boolean): string {
  let s = 'id,name,score,ts\n';
  for (let i = 0; i < rows; i++) {
    const score = changed(i) ? -1 - i : (i * 7919) % 10007;
    s += `${i},name ${i % 97},${score / 10},2024-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z\n`;
  }
  return s;
}

/** Everything the read commands say about the history, as text. */
async function observe(dir: string): Promise<Record<string, string>> {
  const commands: Record<string, string[]> = {
    exportHead: ['export', 'events'],
    exportV1: ['export', 'events', '--at', 'HEAD~2', '--format', 'jsonl'],
    exportSmall: ['export', 'small', '--at', 'v-small'],
    diff: ['diff', 'HEAD~2', 'HEAD', '--json'],
    diffStat: ['diff', 'HEAD~2', 'HEAD~1', '--stat'],
    log: ['log', '--json'],
    logTable: ['log', '--table', 'small', '--oneline'],
    show: ['show', 'HEAD~1:events', '--json'],
    status: ['status', '--json'],
  };
  const names = Object.keys(commands);
  const outputs = await Promise.all(names.map((n) => okAsync(dir, commands[n]!)));
  return Object.fromEntries(names.map((n, i) => [n, outputs[i]!]));
}

function looseCount(dir: string): number {
  return Number(/^count: (\d+)$/m.exec(git(dir, ['count-objects', '-v']).stdout)![1]);
}

describe('a repository packed by git gc', () => {
  it('gives the same exports, diffs, logs and checkouts after gc as before, and fsck stays clean', async () => {
    const dir = newRepo();
    const v1 = dataFile('packed-v1.csv', events(48000, () => false));
    const v2 = dataFile('packed-v2.csv', events(48060, (i) => i % 97 === 5));
    await okAsync(dir, ['import', v1, '--table', 'events', '--key', 'id', '-q']);
    await okAsync(dir, ['commit', '-q', '-m', 'v1']);
    await okAsync(dir, ['import', v2, '--table', 'events', '--key', 'id', '-q']);
    await okAsync(dir, ['commit', '-q', '-m', 'v2']);
    await okAsync(dir, ['import', dataFile('packed-small.csv', 'k,v\n1,one\n2,two\n3,three\n'), '--table', 'small', '--key', 'k', '-q']);
    await okAsync(dir, ['commit', '-q', '-m', 'small']);
    await okAsync(dir, ['tag', 'v-small']);
    const before = await observe(dir);
    expect(before.exportV1.split('\n').filter(Boolean)).toHaveLength(48000);
    expect(before.diffStat).toMatch(/events/);

    const gc = git(dir, ['gc', '--aggressive', '--prune=now', '-q']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(looseCount(dir)).toBe(0);
    expect(fs.readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(1);

    expect(await observe(dir)).toEqual(before);

    // Switching history restores the same rows it did before the gc.
    await okAsync(dir, ['checkout', 'HEAD~2']);
    expect(await okAsync(dir, ['export', 'events', '--format', 'jsonl'])).toBe(before.exportV1);
    await okAsync(dir, ['checkout', 'main']);
    expect(await okAsync(dir, ['export', 'events'])).toBe(before.exportHead);
    await okAsync(dir, ['checkout', 'HEAD~2', '--', 'events']);
    expect(await okAsync(dir, ['export', 'events', '--format', 'jsonl'])).toBe(before.exportV1);
    await okAsync(dir, ['checkout', '-f', 'main']);

    // Re-importing v1, whose chunks are all in the pack now, writes none of
    // them again as loose objects: the import finds them through the index.
    const chunkOids = git(dir, ['ls-tree', '-r', '--format=%(objectname)', 'HEAD~2', '.fv/tables/events/chunks']).stdout.trim().split('\n');
    expect(chunkOids.length).toBeGreaterThan(5);
    await okAsync(dir, ['import', v1, '--table', 'events', '--key', 'id', '-q']);
    await okAsync(dir, ['commit', '-q', '-m', 'back to v1']);
    const loose = new Set(fs.readdirSync(path.join(dir, '.git', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(path.join(dir, '.git', 'objects', d)).map((f) => d + f)));
    expect(loose.size).toBeGreaterThan(0);
    expect(chunkOids.filter((oid) => loose.has(oid))).toEqual([]);
    expect(await okAsync(dir, ['diff', 'HEAD~3', 'HEAD', '--stat', '--table', 'events'])).toBe(await okAsync(dir, ['diff', 'HEAD~1', 'HEAD~1', '--stat', '--table', 'events']));
    expect(await okAsync(dir, ['export', 'events', '--format', 'jsonl'])).toBe(before.exportV1);
    expectGitClean(dir);
  }, 600_000);

  it('merges branches whose history is packed', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('packed-m.csv', 'k,v\n1,a\n2,b\n3,c\n'), '--table', 't', '--key', 'k', '-q']);
    ok(dir, ['commit', '-q', '-m', 'base']);
    ok(dir, ['checkout', '-b', 'side']);
    ok(dir, ['import', dataFile('packed-m-side.csv', 'k,v\n1,a\n2,B\n3,c\n'), '--table', 't', '--key', 'k', '-q']);
    ok(dir, ['commit', '-q', '-m', 'side']);
    ok(dir, ['checkout', 'main']);
    ok(dir, ['import', dataFile('packed-m-main.csv', 'k,v\n1,a\n2,b\n3,c\n4,d\n'), '--table', 't', '--key', 'k', '-q']);
    ok(dir, ['commit', '-q', '-m', 'main']);
    expect(git(dir, ['gc', '--prune=now', '-q']).code).toBe(0);
    expect(looseCount(dir)).toBe(0);
    ok(dir, ['merge', 'side', '-m', 'merge side']);
    expect(ok(dir, ['export', 't'])).toBe('k,v\n1,a\n2,B\n3,c\n4,d\n');
    expectGitClean(dir);
  }, 300_000);
});
