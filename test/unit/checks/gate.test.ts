/** The library side: repo.check and the commit gate's verifyChecks on a real repository. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initRepository, openRepository } from '../../../src/api/repository.js';
import { ChecksFailed, verifyChecks } from '../../../src/checks/runner.js';
import { FvError } from '../../../src/errors/FvError.js';
import { AUTHOR_ENV, dataFile, tempDir } from '../../helpers.js';

describe('check API and commit gate', () => {
  it('runs error-severity checks of the working state and throws ChecksFailed with the report', async () => {
    Object.assign(process.env, AUTHOR_ENV);
    const dir = tempDir();
    await initRepository(dir);
    const repo = await openRepository(dir);
    await repo.import(dataFile('gate.csv', 'id,amount\n1,5\n2,-1\n'), { table: 'pay', key: ['id'] });
    const checks = [
      { id: 'nonneg', type: 'between', column: 'amount', min: 0, severity: 'warn' },
      { id: 'ids', type: 'unique', column: 'id', severity: 'error' },
    ];
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify({ checks: { pay: checks } }));
    const all = await repo.check();
    expect(all.ok).toBe(true);
    expect(all.results.map((r) => [r.check, r.ok])).toEqual([['nonneg', false], ['ids', true]]);
    // the gate runs every check (so bad warn definitions are refused too) but only error-severity failures stop it
    const gate = await verifyChecks(repo.ctx);
    expect(gate.ok).toBe(true);
    expect(gate.results.map((r) => [r.check, r.ok])).toEqual([['nonneg', false], ['ids', true]]);
    checks[0]!.severity = 'error';
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify({ checks: { pay: checks } }));
    const err = await verifyChecks(repo.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksFailed);
    expect((err as ChecksFailed).code).toBe('CHECKS_FAILED');
    expect((err as ChecksFailed).message).toBe('1 data check failed: pay/nonneg');
    expect((err as ChecksFailed).report.results[0]).toMatchObject({ ok: false, unexpected: 1, examples: [{ key: [2n] }] });
    fs.writeFileSync(path.join(dir, 'features.json'), '{"checks": {"pay": [{"id": "x"}]}}');
    const bad = await verifyChecks(repo.ctx).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FvError);
    expect((bad as FvError).message).toBe('features.json: checks.pay[0].type: is required');
  });
});
