import { createRequire } from 'node:module';
import { max, mean, median, min, sampleStandardDeviation } from 'simple-statistics';
import { HarnessError } from './harness-error.ts';
import type { StageStats } from './results-schema.ts';

// jstat ships no type declarations; this is the one function of it that is used.
const { jStat } = createRequire(import.meta.url)('jstat') as {
  jStat: { studentt: { inv(p: number, degreesOfFreedom: number): number } };
};

/** Two-sided 95% quantile of Student's t with `degreesOfFreedom` (e.g. 4.303 for 2). */
export function studentT975(degreesOfFreedom: number): number {
  return jStat.studentt.inv(0.975, degreesOfFreedom);
}

/**
 * Median, extremes, mean, sample standard deviation and the t-based 95% confidence interval of the
 * mean of one stage's samples. A single sample has no spread: its interval is [x, x].
 */
export function summariseSamples(samplesMs: readonly number[]): StageStats {
  if (samplesMs.length === 0) throw new HarnessError('no-samples', 'cannot summarise a stage with no samples');
  const bad = samplesMs.findIndex((x) => !Number.isFinite(x) || x < 0);
  if (bad >= 0) {
    throw new HarnessError('bad-sample', `sample ${bad} is ${samplesMs[bad]}; durations must be finite and non-negative`);
  }
  const samples = [...samplesMs];
  const n = samples.length;
  const meanMs = mean(samples);
  const stdDevMs = n > 1 ? sampleStandardDeviation(samples) : 0;
  const halfWidth = n > 1 ? (studentT975(n - 1) * stdDevMs) / Math.sqrt(n) : 0;
  return {
    samplesMs: samples,
    medianMs: median(samples),
    minMs: min(samples),
    maxMs: max(samples),
    meanMs,
    stdDevMs,
    ci95Ms: [meanMs - halfWidth, meanMs + halfWidth],
    n,
  };
}
