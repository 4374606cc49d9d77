import { expect, it } from 'vitest';
import { compareRuns } from '../reports/compare-runs.ts';
import { formatComparisonMarkdown } from '../reports/format-comparison-markdown.ts';
import { formatComparisonTable } from '../reports/format-comparison-table.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('with 3 samples per side (smallest attainable p 0.1) the verdict uses CI overlap and says so', () => {
  const comparison = compareRuns([makeExampleRun({ runId: 'base', repeats: 3 })], [makeExampleRun({ runId: 'head', repeats: 3, jitterSeed: 2, timeScale: 1.3 })]);
  const rows = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time');
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    if (row.status === 'incomparable' || row.evidence.method === 'threshold') throw new Error('expected a time verdict');
    expect(row.evidence.method).toBe('ci-overlap');
    if (row.evidence.method !== 'ci-overlap') continue;
    expect(row.evidence.reason).toMatch(/smallest attainable Mann-Whitney p is 0\.100, above alpha 0\.05/);
    const [bl, bh] = row.evidence.baseCi95Ms;
    const [hl, hh] = row.evidence.headCi95Ms;
    expect(row.evidence.overlap).toBe(bl <= hh && hl <= bh);
    expect(row.status).toBe(row.evidence.overlap ? 'unchanged' : 'regression');
  }
  // A 30% slowdown with ±3% jitter separates the intervals of the long stages.
  const total = rows.filter((r) => r.stage === 'total');
  expect(total.every((r) => r.status === 'regression')).toBe(true);
  expect(formatComparisonTable(comparison)).toContain('95% CI overlap fallback: intervals do not overlap');
  expect(formatComparisonMarkdown(comparison)).toContain('95% CI overlap fallback');
});

it('with 2 samples per side the rank test is not attempted, and wide t intervals overlap', () => {
  const comparison = compareRuns([makeExampleRun({ runId: 'base', repeats: 2 })], [makeExampleRun({ runId: 'head', repeats: 2, jitterSeed: 2, timeScale: 1.3 })]);
  const total = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time' && m.stage === 'total');
  for (const row of total) {
    if (row.status === 'incomparable') throw new Error('expected a time verdict');
    expect(row.evidence).toMatchObject({ method: 'ci-overlap', reason: '2 BASE and 2 HEAD samples; the rank test needs at least 3 per side' });
    if (row.evidence.method === 'ci-overlap') expect(row.status).toBe(row.evidence.overlap ? 'unchanged' : 'regression');
  }
});

it('with 5 samples per side the Mann-Whitney test decides', () => {
  const comparison = compareRuns([makeExampleRun({ runId: 'base' })], [makeExampleRun({ runId: 'head', jitterSeed: 2, timeScale: 1.3 })]);
  const rows = comparison.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'time');
  expect(rows.every((r) => r.status !== 'incomparable' && r.evidence.method === 'mann-whitney')).toBe(true);
});
