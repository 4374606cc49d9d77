import { describe, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { studentT975, summariseSamples } from '../harness/statistics.ts';

// Two-sided 95% Student t quantiles from printed tables, df = 1..4.
const T_TABLE = [12.706, 4.303, 3.182, 2.776];

describe('summariseSamples', () => {
  it('[10, 12, 14]: mean 12, sample sd 2, CI 12 ± t(2)·2/√3', () => {
    const s = summariseSamples([14, 10, 12]);
    expect(s.meanMs).toBe(12);
    expect(s.medianMs).toBe(12);
    expect(s.minMs).toBe(10);
    expect(s.maxMs).toBe(14);
    expect(s.stdDevMs).toBeCloseTo(2, 12);
    expect(s.n).toBe(3);
    const half = (4.303 * 2) / Math.sqrt(3);
    expect(s.ci95Ms[0]).toBeCloseTo(12 - half, 2);
    expect(s.ci95Ms[1]).toBeCloseTo(12 + half, 2);
    expect(s.samplesMs).toEqual([14, 10, 12]);
  });

  it('an even count takes the middle pair for the median and n - 1 for the variance', () => {
    const s = summariseSamples([4, 1, 3, 2]);
    expect(s.medianMs).toBe(2.5);
    expect(s.meanMs).toBe(2.5);
    const sd = Math.sqrt((1.5 ** 2 + 0.5 ** 2 + 0.5 ** 2 + 1.5 ** 2) / 3);
    expect(s.stdDevMs).toBeCloseTo(sd, 12);
    expect(s.ci95Ms[1] - s.meanMs).toBeCloseTo((3.182 * sd) / 2, 2);
  });

  it('one sample has no spread', () => {
    expect(summariseSamples([7.5])).toEqual({
      samplesMs: [7.5],
      medianMs: 7.5,
      minMs: 7.5,
      maxMs: 7.5,
      meanMs: 7.5,
      stdDevMs: 0,
      ci95Ms: [7.5, 7.5],
      n: 1,
    });
  });

  it('the t quantile agrees with the printed table', () => {
    T_TABLE.forEach((t, i) => expect(studentT975(i + 1)).toBeCloseTo(t, 3));
  });

  it('refuses empty, negative and non-finite samples', () => {
    const codeOf = (samples: number[]) => {
      try {
        summariseSamples(samples);
      } catch (error) {
        return (error as HarnessError).code;
      }
      return 'accepted';
    };
    expect(codeOf([])).toBe('no-samples');
    expect(codeOf([1, -0.5])).toBe('bad-sample');
    expect(codeOf([1, Number.POSITIVE_INFINITY])).toBe('bad-sample');
  });
});
