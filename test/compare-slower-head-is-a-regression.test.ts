import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-compare.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import type { RunComparison } from '../reports/types.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('a head 30% slower with separated samples is a regression, and compare exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-compare-'));
  await writeResultsFile(join(dir, 'base.json'), makeExampleRun({ runId: 'base' }));
  await writeResultsFile(join(dir, 'head.json'), makeExampleRun({ runId: 'head', jitterSeed: 2, timeScale: 1.3 }));
  const out = join(dir, 'comparison.json');
  const code = await main([join(dir, 'base.json'), join(dir, 'head.json'), '--format', 'json', '--out', out]);
  expect(code).toBe(1);
  const comparison = JSON.parse(await readFile(out, 'utf8')) as RunComparison;
  const totals = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time' && m.stage === 'total');
  expect(totals).toHaveLength(9);
  for (const row of totals) {
    expect(row.status).toBe('regression');
    if (row.status !== 'regression') continue;
    expect(row.change).toBeGreaterThan(25);
    expect(row.change).toBeLessThan(35);
    expect(row.evidence).toMatchObject({ method: 'mann-whitney', test: 'exact', significant: true });
    if (row.evidence.method === 'mann-whitney') expect(row.evidence.pValue).toBeCloseTo(2 / 252, 12);
  }
  // Memory did not change, so it is not reported as a regression.
  expect(comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'host-memory' && m.status !== 'unchanged')).toEqual([]);
});

it('the same slowdown below a raised --time-threshold exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-compare-'));
  await writeResultsFile(join(dir, 'base.json'), makeExampleRun({ runId: 'base' }));
  await writeResultsFile(join(dir, 'head.json'), makeExampleRun({ runId: 'head', jitterSeed: 2, timeScale: 1.3 }));
  const code = await main([join(dir, 'base.json'), join(dir, 'head.json'), '--time-threshold', '45', '--out', join(dir, 'report.txt')]);
  expect(code).toBe(0);
  expect(await readFile(join(dir, 'report.txt'), 'utf8')).toMatch(/^lightbench compare: 0 regressions, 0 improvements/);
});
