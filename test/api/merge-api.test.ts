/** Merging through the library API: results and errors are typed (FvError codes). */
import { describe, expect, it } from 'vitest';
import { FvError, initRepository } from '../../src/index.js';
import { AUTHOR_ENV, dataFile, expectGitClean, tempDir } from '../helpers.js';

describe('library API: merge', () => {
  it('merges, reports conflicts, resolves and commits', async () => {
    Object.assign(process.env, AUTHOR_ENV);
    const dir = tempDir();
    const repo = await initRepository(dir);
    await repo.import(dataFile('api-m0.csv', 'id,v\n1,a\n2,b\n'), { table: 't', key: ['id'] });
    await repo.commit({ message: 'base' });
    await repo.checkout(undefined, { createBranch: 'feat' });
    await repo.import(dataFile('api-m1.csv', 'id,v\n1,x\n2,b\n'), { table: 't' });
    const theirs = (await repo.commit({ message: 'theirs' })).commit;
    await repo.checkout('main');
    await repo.import(dataFile('api-m2.csv', 'id,v\n1,y\n2,c\n'), { table: 't' });
    const ours = (await repo.commit({ message: 'ours' })).commit;
    const r = await repo.merge('feat');
    expect(r).toMatchObject({ status: 'conflicts', commit: ours, theirs, resolved: 0 });
    expect(r.conflicts.map((c) => [c.table, c.kind, c.key, c.column, c.base, c.ours, c.theirs, c.resolved])).toEqual([['t', 'cell', [1n], 'v', 'a', 'y', 'x', null]]);
    await expect(repo.commit({})).rejects.toMatchObject({ code: 'MERGE_CONFLICTS' });
    await expect(repo.merge('feat')).rejects.toBeInstanceOf(FvError);
    expect(await repo.status()).toMatchObject({ merging: true, conflicts: 1 });
    expect(await repo.resolve('t', { side: 'theirs', key: '1' })).toEqual({ resolved: 1, remaining: 0 });
    const c = await repo.commit({});
    expect(c.message).toBe("Merge branch 'feat'");
    expect((await repo.log({ limit: 1 }))[0]!.parents).toEqual([ours, theirs]);
    expect(await repo.conflicts()).toEqual([]);
    await expect(repo.abortMerge()).rejects.toMatchObject({ code: 'NO_MERGE' });
    expect((await repo.merge('feat')).status).toBe('up-to-date');
    expectGitClean(dir);
  });
});
