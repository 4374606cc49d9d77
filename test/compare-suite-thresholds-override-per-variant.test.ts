import { expect, it } from 'vitest';
import { parseRunResult } from '../harness/results-file.ts';
import { compareRuns } from '../reports/compare-runs.ts';
import type { RunComparison } from '../reports/types.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const totalStatus = (c: RunComparison, variant: string) =>
  c.variants.flatMap((v) => v.metrics).find((m) => m.model === 'animatediff-tiny' && m.variant === variant && m.metric === 'time' && m.stage === 'total')!.status;

it('a suite threshold for one variant wins over the suite default and the command-line value', () => {
  const base = makeExampleRun({ runId: 'base' });
  const head = makeExampleRun({ runId: 'head', jitterSeed: 2, timeScale: 1.3 });
  head.suite.thresholds = { default: { timePct: 50 }, variants: { deepcache: { timePct: 10 } } };
  expect(() => parseRunResult(head, 'head')).not.toThrow();

  const fromSuite = compareRuns([base], [head]);
  expect(totalStatus(fromSuite, 'deepcache')).toBe('regression');
  expect(totalStatus(fromSuite, 'baseline')).toBe('unchanged');
  expect(fromSuite.thresholds.timePct).toBe(50);

  const fromFlag = compareRuns([base], [head], { thresholds: { timePct: 20 } });
  expect(totalStatus(fromFlag, 'baseline')).toBe('regression');
  expect(fromFlag.thresholds.timePct).toBe(20);

  head.suite.thresholds.variants!.deepcache = { timePct: 40 };
  expect(totalStatus(compareRuns([base], [head], { thresholds: { timePct: 20 } }), 'deepcache')).toBe('unchanged');
});

it('memory peaks use the memory threshold alone', () => {
  const base = makeExampleRun({ runId: 'base' });
  const head = makeExampleRun({ runId: 'head', memoryScale: 1.03 });
  const rows = (c: RunComparison) => c.variants.flatMap((v) => v.metrics).filter((m) => m.metric === 'host-memory' && m.stage === 'denoise');
  expect(rows(compareRuns([base], [head])).every((m) => m.status === 'regression' && m.evidence.method === 'threshold')).toBe(true);
  expect(rows(compareRuns([base], [head], { thresholds: { memoryPct: 5 } })).every((m) => m.status === 'unchanged')).toBe(true);
});

it('a thresholds block with unknown fields is refused by the results schema', () => {
  const head = makeExampleRun({ runId: 'head' });
  (head.suite as Record<string, unknown>).thresholds = { default: { timePercent: 5 } };
  expect(() => parseRunResult(head, 'head')).toThrow(/thresholds\.default\.timePercent: unknown field/);
});
