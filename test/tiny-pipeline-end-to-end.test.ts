import { describe, expect, it } from 'vitest';
import { STAGES } from '../pipelines/types.ts';
import { runTiny } from './fixtures/run-tiny-variant.ts';

describe('the tiny baseline pipeline', () => {
  it('returns finite frames in [0, 1] of shape [frames, 3, 8h, 8w] with every stage timed', async () => {
    const out = await runTiny('baseline');
    expect(out.frameShape).toEqual([4, 3, 64, 64]);
    expect(out.frames.length).toBe(4 * 3 * 64 * 64);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of out.frames) {
      expect(Number.isFinite(v)).toBe(true);
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    // Not degenerate: the random network still produces varied pixels.
    expect(max - min).toBeGreaterThan(0.1);
    expect(sum / out.frames.length).toBeGreaterThan(0.05);
    for (const stage of STAGES) expect(out.stagesMs[stage]).toBeGreaterThan(0);
    expect(out.steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'full']);
    expect(out.steps.map((s) => s.timestep)).toEqual([...out.steps.map((s) => s.timestep)].sort((a, b) => b - a));
    expect(out.cache).toEqual({ peakBytes: 0, location: 'none' });
  });
});
