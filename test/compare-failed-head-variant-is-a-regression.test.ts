import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-compare.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { compareRuns } from '../reports/compare-runs.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('a variant that runs in BASE and fails in HEAD is a regression (exit 1); the reverse is an improvement', async () => {
  const ok = makeExampleRun({ runId: 'ok', includeError: false });
  const failing = makeExampleRun({ runId: 'failing', includeError: true });
  const worse = compareRuns([ok], [failing]);
  const pair = worse.variants.find((v) => v.model === 'svd-tiny' && v.variant === 'fme')!;
  expect(pair).toMatchObject({ status: 'regression', baseStatus: 'ok', headStatus: 'error', metrics: [] });
  expect(pair.reason).toContain('child-killed');
  expect(worse.counts.regression).toBe(1);

  const better = compareRuns([failing], [ok]);
  expect(better.variants.find((v) => v.model === 'svd-tiny' && v.variant === 'fme')).toMatchObject({ status: 'improvement', baseStatus: 'error', headStatus: 'ok' });
  expect(better.counts.regression).toBe(0);

  const dir = await mkdtemp(join(tmpdir(), 'lightbench-compare-'));
  await writeResultsFile(join(dir, 'base.json'), ok);
  await writeResultsFile(join(dir, 'head.json'), failing);
  expect(await main([join(dir, 'base.json'), join(dir, 'head.json'), '--out', join(dir, 'r.txt')])).toBe(1);
});

it('a pair measured on one side only is incomparable, not a regression', () => {
  const head = makeExampleRun({ runId: 'head' });
  head.variants = head.variants.filter((v) => !(v.model === 'animatediff-tiny' && v.variant.name === 'lightcache'));
  const comparison = compareRuns([makeExampleRun({ runId: 'base' })], [head]);
  expect(comparison.variants.find((v) => v.model === 'animatediff-tiny' && v.variant === 'lightcache')).toMatchObject({
    status: 'incomparable',
    headStatus: 'absent',
    reason: 'not measured in HEAD',
  });
  expect(comparison.counts.regression).toBe(0);
});
