import { expect, it } from 'vitest';
import type { RunResult } from '../harness/results-schema.ts';
import { buildHistory, detectSiteStepChanges, seriesWithChanges } from '../reports/history.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

/** Ten nightly runs per machine: 20% slower from run 6 on the CPU machine, a one-off 50% memory spike in run 4. */
function nightlies(): RunResult[] {
  const runs: RunResult[] = [];
  for (let i = 0; i < 10; i++) {
    const commit = `${i}`.repeat(40);
    const startedAt = new Date(Date.UTC(2025, 5, 1 + i, 2)).toISOString();
    runs.push(makeExampleRun({ runId: `cpu-${i}`, startedAt, commit, jitterSeed: i + 1, timeScale: i >= 6 ? 1.2 : 1, memoryScale: i === 4 ? 1.5 : 1 }));
    runs.push(makeExampleRun({ runId: `gpu-${i}`, startedAt, commit, jitterSeed: i + 20, device: 'cuda' }));
  }
  // Shuffled input: the series must be ordered by start time, not by input order.
  return runs.reverse();
}

it('builds one series per machine and metric, marks the step at its first run, and ignores the one-off spike', () => {
  const series = buildHistory(nightlies());
  const cpuTotal = series.find((s) => s.machine.fingerprint === 'c0d5a4e1b9f27736' && s.model === 'animatediff-tiny' && s.variant === 'lightcache' && s.metric === 'time' && s.stage === 'total')!;
  expect(cpuTotal.points.map((p) => p.runId)).toEqual(Array.from({ length: 10 }, (_, i) => `cpu-${i}`));
  const marked = cpuTotal.points.flatMap((p, i) => (p.changePoint ? [{ i, commit: p.commit, mark: p.changePoint }] : []));
  expect(marked).toHaveLength(1);
  expect(marked[0]!.i).toBe(6);
  expect(marked[0]!.commit).toBe('6'.repeat(40));
  expect(marked[0]!.mark.direction).toBe('regression');
  expect(marked[0]!.mark.change).toBeGreaterThan(15);
  expect(marked[0]!.mark.change).toBeLessThan(25);

  // Every changed CPU series changed at run 6; nothing changed on the GPU machine, and no memory series changed.
  const changed = seriesWithChanges(series);
  expect(changed.length).toBe(9 * 5);
  expect(changed.every((s) => s.machine.fingerprint === 'c0d5a4e1b9f27736' && s.metric === 'time')).toBe(true);
  expect(changed.every((s) => s.points.findIndex((p) => p.changePoint) === 6)).toBe(true);

  const gpuSeries = series.filter((s) => s.machine.fingerprint === '7f3e91a0c2d84b56');
  expect(gpuSeries.some((s) => s.metric === 'gpu-memory' && s.gpu?.name === 'NVIDIA H100 80GB HBM3')).toBe(true);
  expect(new Set(series.map((s) => s.key)).size).toBe(series.length);
});

it('PSNR is a bigger-is-better series, and identical frames make no point', () => {
  const series = buildHistory(nightlies());
  const psnr = series.filter((s) => s.metric === 'fidelity-psnr');
  expect(psnr.every((s) => s.better === 'bigger' && s.unit === 'dB' && s.stage === null)).toBe(true);
  expect(psnr.some((s) => s.variant === 'fme')).toBe(false);
});

it('the site adapter maps change points back to indices of a series with gaps', () => {
  const values = [100, null, 101, 99, 100, null, 130, 131, 129, 130];
  expect(detectSiteStepChanges(values, 'totalMedianMs')).toEqual([{ index: 6, beforeValue: 100, afterValue: 130, direction: 'regression' }]);
  expect(detectSiteStepChanges([100, 101, 99, 100, 100, 101, 99, 100], 'peakHostBytes')).toEqual([]);
});
