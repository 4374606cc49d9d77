import { describe, expect, it } from 'vitest';
import { maxAbsDifference, runTiny } from './fixtures/run-tiny-variant.ts';
import { tinyRequest } from './fixtures/run-tiny-variant.ts';
import { prepareModels, runPipeline } from '../pipelines/video-pipeline.ts';

describe('pipeline determinism', () => {
  it('gives identical frames for the same seed, and different frames for another seed', async () => {
    const a = await runTiny('baseline');
    const b = await runTiny('baseline');
    expect(maxAbsDifference(a.frames, b.frames)).toBe(0);
    const other = { ...tinyRequest('baseline'), seed: 99 };
    const c = await runPipeline(other, await prepareModels(other));
    expect(maxAbsDifference(a.frames, c.frames)).toBeGreaterThan(1e-3);
  });
});
