import { expect, it } from 'vitest';
import { compareRuns } from '../reports/compare-runs.ts';
import type { MetricComparison } from '../reports/types.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';
import { withStageSamples } from './fixtures/with-stage-samples.ts';

const totalRow = (rows: MetricComparison[]) => rows.find((m) => m.model === 'animatediff-tiny' && m.variant === 'baseline' && m.metric === 'time' && m.stage === 'total')!;

it('a 2% drift is no regression even where the rank test finds it significant', () => {
  const comparison = compareRuns([makeExampleRun({ runId: 'base' })], [makeExampleRun({ runId: 'head', jitterSeed: 7, timeScale: 1.02 })]);
  expect(comparison.counts.regression).toBe(0);
  const rows = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time');
  const significantButSmall = rows.filter((m) => m.status === 'unchanged' && m.evidence.method === 'mann-whitney' && m.evidence.significant);
  expect(significantButSmall.length).toBeGreaterThan(0);
  for (const m of significantButSmall) if (m.status === 'unchanged') expect(Math.abs(m.change!)).toBeLessThan(5);
});

it('noisy, overlapping samples whose medians differ by less than the threshold are unchanged', () => {
  let base = makeExampleRun({ runId: 'base' });
  let head = makeExampleRun({ runId: 'head' });
  base = withStageSamples(base, 'animatediff-tiny', 'baseline', 'total', [1400, 1568, 1330, 1512, 1414]);
  head = withStageSamples(head, 'animatediff-tiny', 'baseline', 'total', [1456, 1358, 1610, 1442, 1540]);
  const row = totalRow(compareRuns([base], [head]).variants.flatMap((v) => v.metrics));
  expect(row.status).toBe('unchanged');
  if (row.status === 'incomparable') throw new Error('expected a comparison');
  expect(Math.abs(row.change!)).toBeLessThan(5);
});

it('a median shift beyond the threshold is still unchanged when the samples overlap too much to be significant', () => {
  let base = makeExampleRun({ runId: 'base' });
  let head = makeExampleRun({ runId: 'head' });
  base = withStageSamples(base, 'animatediff-tiny', 'baseline', 'total', [1000, 1300, 900, 1250, 950]);
  head = withStageSamples(head, 'animatediff-tiny', 'baseline', 'total', [1120, 880, 1350, 1080, 980]);
  const row = totalRow(compareRuns([base], [head]).variants.flatMap((v) => v.metrics));
  if (row.status === 'incomparable') throw new Error('expected a comparison');
  expect(row.change).toBeGreaterThan(5);
  expect(row.evidence).toMatchObject({ method: 'mann-whitney', significant: false });
  expect(row.status).toBe('unchanged');
});
