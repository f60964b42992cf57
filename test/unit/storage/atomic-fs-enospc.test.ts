// A full disk cannot be produced portably, so node:fs/promises is mocked for this file only.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const failWrites = { on: false };
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    async open(...args: Parameters<typeof real.open>) {
      const handle = await real.open(...args);
      if (!failWrites.on) return handle;
      // Let the handle fail the way a full disk makes write(2) fail.
      return new Proxy(handle, {
        get(target, prop, receiver) {
          if (prop === 'writeFile') {
            return async () => {
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
            };
          }
          const v: unknown = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
});

const { writeFileAtomic } = await import('../../../src/storage/atomic-fs.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-enospc-'));
});
afterEach(async () => {
  failWrites.on = false;
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic on a full disk', () => {
  it('throws FvError DISK_FULL, removes the temp file and keeps the old content', async () => {
    const p = join(dir, 'ref');
    await writeFileAtomic(p, 'old');
    failWrites.on = true;
    await expect(writeFileAtomic(p, 'new')).rejects.toMatchObject({ name: 'FvError', code: 'DISK_FULL' });
    failWrites.on = false;
    expect(await readdir(dir)).toEqual(['ref']);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(p, 'utf8')).toBe('old');
  });
});
