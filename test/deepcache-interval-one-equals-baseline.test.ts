import { describe, expect, it } from 'vitest';
import { maxAbsDifference, runTiny } from './fixtures/run-tiny-variant.ts';

describe('deepcache with cacheInterval 1', () => {
  it('runs every step in full and matches the baseline within 1e-5', async () => {
    const baseline = await runTiny('baseline');
    const deepcache = await runTiny('deepcache', { cacheInterval: 1 });
    expect(deepcache.steps.every((s) => s.kind === 'full')).toBe(true);
    const error = maxAbsDifference(baseline.frames, deepcache.frames);
    console.log(`deepcache interval 1 vs baseline: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-5);
  });

  it('with interval 2 alternates full and cached steps, records one feature and deviates from the baseline', async () => {
    const baseline = await runTiny('baseline');
    const deepcache = await runTiny('deepcache', { cacheInterval: 2 });
    expect(deepcache.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'full', 'cached']);
    // tiny, branch 0: [videos·frames, channels of up block 2, 8, 8] float32
    expect(deepcache.cache.peakBytes).toBe(2 * 4 * 32 * 8 * 8 * 4);
    expect(maxAbsDifference(baseline.frames, deepcache.frames)).toBeGreaterThan(1e-4);
  });
});
