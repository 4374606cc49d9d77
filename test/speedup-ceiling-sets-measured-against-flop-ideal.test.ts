import { describe, expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import { formatSummary } from '../harness/summary-table.ts';
import { speedupCeiling } from '../reports/speedup-ceiling.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

// The ceiling a cache variant is measured against: the baseline's denoise work over the variant's (the speed-up
// its FLOP counts allow) next to the measured speed-up, and each stage's achieved rate as a share of the run's
// calibrated matmul peak.
describe('speed-up ceiling', () => {
  const run = makeExampleRun();
  const [baseline, deepcache] = run.variants as [VariantOk, VariantOk];
  baseline.work = { denoise: { flops: 8e12, achievedGflops: 40 } };
  deepcache.work = { denoise: { flops: 5e12, achievedGflops: 30 } };
  run.calibration = { matmulGflops: 80, method: 'test' };

  it('divides the baseline’s work and time by the variant’s, and rates by the calibrated peak', () => {
    const ceiling = speedupCeiling(run, deepcache, baseline);
    expect(ceiling.denoiseFlopIdeal).toBeCloseTo(1.6, 12);
    expect(ceiling.denoiseMeasured).toBeCloseTo(baseline.stages.denoise.medianMs / deepcache.stages.denoise.medianMs, 12);
    expect(ceiling.peakShare.denoise).toBeCloseTo(30 / 80, 12);
    expect(speedupCeiling(run, baseline, baseline).denoiseFlopIdeal).toBe(1);
  });

  it('is unknown, not zero, without counted work, a baseline or a calibration', () => {
    const { calibration: _, ...uncalibrated } = run;
    const bare = { ...deepcache, work: undefined };
    expect(speedupCeiling(run, bare, baseline).denoiseFlopIdeal).toBeNull();
    expect(speedupCeiling(run, deepcache, undefined)).toMatchObject({ denoiseMeasured: null, denoiseFlopIdeal: null });
    expect(speedupCeiling(uncalibrated, deepcache, baseline).peakShare).toEqual({});
  });

  it('appears in the terminal summary beside the measured speed-up', () => {
    const summary = formatSummary(run);
    expect(summary).toMatch(/FLOP-ideal \(denoise\)/);
    expect(summary).toMatch(/1\.60×/);
    expect(summary).toMatch(/30\.0 \(38% of 80\)/);
  });
});
