/** Remotes through the library API (repo.push / fetch / pull, cloneRepository) against the real test git server. */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FvError, cloneRepository, initRepository } from '../../src/index.js';
import type { TransferProgress } from '../../src/index.js';
import { AUTHOR_ENV, dataFile, expectGitClean, tempDir } from '../helpers.js';
import type { GitServer } from '../helpers/git-server.js';
import { startGitServer } from '../helpers/git-server.js';

let server: GitServer;
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('library API: remotes', () => {
  it('pushes, clones, pulls with typed results and typed errors', async () => {
    Object.assign(process.env, AUTHOR_ENV);
    const url = server.bare('api.git');
    const repo = await initRepository(tempDir());
    await repo.import(dataFile('api-r0.csv', 'id,v\n1,a\n2,b\n'), { table: 't', key: ['id'] });
    const first = (await repo.commit({ message: 'first' })).commit;
    expect(await repo.addRemote('origin', url)).toEqual({ name: 'origin', url });
    expect(await repo.remotes()).toEqual([{ name: 'origin', url }]);
    const events: TransferProgress[] = [];
    const pushed = await repo.push(undefined, undefined, { onProgress: (p) => events.push(p) });
    expect(pushed).toMatchObject({ remote: 'origin', branch: 'main', status: 'pushed', from: null, to: first, steps: 1, tags: [] });
    expect(pushed.bytesSent).toBeGreaterThan(0);
    expect(events.at(-1)!.bytesSent).toBe(pushed.bytesSent);
    expect(await repo.push()).toMatchObject({ status: 'up-to-date', from: first, to: first });

    const { repo: other, result } = await cloneRepository(url, path.join(tempDir(), 'c'));
    expect(result).toMatchObject({ branch: 'main', commit: first, tables: ['t'], empty: false });
    await other.import(dataFile('api-r1.csv', 'id,v\n1,a\n2,B\n'), { table: 't' });
    const second = (await other.commit({ message: 'second' })).commit;
    await other.push();

    const fetched = await repo.fetch();
    expect(fetched.updated).toEqual([{ ref: 'origin/main', from: first, to: second }]);
    const pulled = await repo.pull();
    expect(pulled.merge).toMatchObject({ status: 'fast-forward', commit: second });
    expect((await repo.status()).tables).toMatchObject({ t: { state: 'clean' } });
    expectGitClean(repo.dir);

    await expect(repo.pull('nowhere')).rejects.toMatchObject({ code: 'UNKNOWN_REMOTE' });
    await expect(cloneRepository('http://127.0.0.1:1/x.git', path.join(tempDir(), 'x'))).rejects.toBeInstanceOf(FvError);
    await expect(cloneRepository('http://127.0.0.1:1/x.git', path.join(tempDir(), 'x'))).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
  });
});
