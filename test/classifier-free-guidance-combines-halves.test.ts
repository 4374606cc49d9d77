import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { gaussianNoise } from '../pipelines/seeded-random.ts';
import {
  applyClassifierFreeGuidance,
  combineGuidance,
} from '../pipelines/schedulers/classifier-free-guidance.ts';

const uncond = gaussianNoise(11, 32);
const cond = gaussianNoise(12, 32);
const batch = new Float32Array([...uncond, ...cond]);

describe('classifier-free guidance', () => {
  it('returns the unconditional half at scale 0 and the conditional half at scale 1', () => {
    expect(Array.from(applyClassifierFreeGuidance(batch, 0))).toEqual(Array.from(uncond));
    expect(Array.from(applyClassifierFreeGuidance(batch, 1))).toEqual(Array.from(cond));
  });

  it('extrapolates from the unconditional towards the conditional prediction', () => {
    const guided = applyClassifierFreeGuidance(batch, 7.5);
    expect(guided).toHaveLength(32);
    for (let i = 0; i < guided.length; i++) {
      expect(guided[i]).toBeCloseTo(uncond[i] + 7.5 * (cond[i] - uncond[i]), 5);
    }
    expect(Array.from(combineGuidance(uncond, cond, 7.5))).toEqual(Array.from(guided));
  });

  it('rejects an odd batch, mismatched halves and a non-finite scale', () => {
    expect(() => applyClassifierFreeGuidance(batch.subarray(1), 7.5)).toThrow(/length 63 is odd/);
    expect(() => combineGuidance(uncond, cond.subarray(2), 7.5)).toThrow(HarnessError);
    expect(() => combineGuidance(uncond, cond, Number.NaN)).toThrow(/got NaN/);
  });
});
