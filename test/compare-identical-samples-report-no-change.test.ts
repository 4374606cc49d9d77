import { expect, it } from 'vitest';
import { compareRuns } from '../reports/compare-runs.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('identical samples give no regression and no improvement; every time row is unchanged with p = 1', () => {
  const base = makeExampleRun({ runId: 'base' });
  const head = makeExampleRun({ runId: 'head' });
  const comparison = compareRuns([base], [head]);
  expect(comparison.counts.regression).toBe(0);
  expect(comparison.counts.improvement).toBe(0);
  const timeRows = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time');
  expect(timeRows).toHaveLength(9 * 5);
  for (const row of timeRows) {
    expect(row.status).toBe('unchanged');
    if (row.status === 'incomparable') continue;
    expect(row.change).toBe(0);
    expect(row.evidence).toMatchObject({ method: 'mann-whitney', pValue: 1, significant: false });
  }
  const memoryRows = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'host-memory');
  expect(memoryRows.every((m) => m.status === 'unchanged')).toBe(true);
  // The pair that failed on both sides cannot be compared, and says why.
  const failed = comparison.variants.find((v) => v.model === 'svd-tiny' && v.variant === 'fme')!;
  expect(failed).toMatchObject({ status: 'incomparable', baseStatus: 'error', headStatus: 'error' });
  expect(failed.reason).toMatch(/fails in both/);
});
