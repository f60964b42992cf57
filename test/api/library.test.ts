/** The library API that pipelines use: the same operations as the CLI, typed errors with stable codes. */
import { describe, expect, it } from 'vitest';
import { FvError, initRepository, openRepository } from '../../src/index.js';
import { AUTHOR_ENV, dataFile, expectGitClean, tempDir } from '../helpers.js';

describe('library API', () => {
  it('imports, commits and reads tables as Arrow record batches at any rev', async () => {
    Object.assign(process.env, AUTHOR_ENV);
    const dir = tempDir();
    await initRepository(dir);
    const repo = await openRepository(dir);
    const v1 = dataFile('lib1.csv', 'id,amount,ts\n2,1.5,2024-01-02T00:00:00Z\n1,9007199254740993.0,2024-01-01T00:00:00Z\n');
    const r = await repo.import(v1, { table: 'pay', key: ['id'] });
    expect(r).toMatchObject({ table: 'pay', rows: 2, key: ['id'], columns: [{ name: 'id', type: 'int64' }, { name: 'amount', type: 'utf8' }, { name: 'ts', type: 'timestamp[s, UTC]' }] });
    const c1 = await repo.commit({ message: 'one' });
    expect(c1.tables).toEqual({ pay: { added: 2, removed: 0, modified: 0 } });
    await repo.import(dataFile('lib2.csv', 'id,amount,ts\n3,2.5,2024-01-03T00:00:00Z\n'), { table: 'pay', mode: 'append', types: undefined });
    await repo.commit({ message: 'two' });
    const ids: bigint[] = [];
    for await (const batch of repo.readTable('pay', { at: c1.commit })) {
      const col = batch.getChild('id')!;
      for (let i = 0; i < batch.numRows; i++) ids.push(col.get(i) as bigint);
    }
    expect(ids).toEqual([1n, 2n]);
    const log = await repo.log();
    expect(log.map((e) => e.message)).toEqual(['two', 'one']);
    expect((await repo.status()).tables.pay).toMatchObject({ state: 'clean', rows: 3 });
    expectGitClean(dir);
  });

  it('throws FvError with stable codes', async () => {
    const dir = tempDir();
    await expect(openRepository(dir)).rejects.toMatchObject({ code: 'NOT_A_REPOSITORY' });
    const repo = await initRepository(dir);
    const err = await repo.export('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FvError);
    expect(err).toMatchObject({ code: 'UNKNOWN_TABLE' });
    await expect(repo.import(dataFile('dup.csv', 'id\n1\n1\n'), { table: 't', key: ['id'] })).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    await expect(repo.checkout('nope')).rejects.toMatchObject({ code: 'UNKNOWN_REF' });
  });
});
