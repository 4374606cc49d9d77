import { describe, expect, it } from 'vitest';
import { createFeatureCache } from '../pipelines/feature-cache.ts';
import { floatTensor } from '../pipelines/ort-backend.ts';

const hostFeature = () => floatTensor(new Float32Array(2 * 3 * 4), [2, 3, 4]);

describe('the feature cache reports where its tensors actually lived', () => {
  it('says host, and why, when a cache meant for the device was given host tensors', async () => {
    const cache = createFeatureCache('webgpu', false, true);
    await cache.store(hostFeature());
    expect(await cache.fetch()).toBeDefined();
    expect(cache.report()).toEqual({
      peakBytes: 2 * 3 * 4 * 4,
      location: 'host',
      note: 'the cache was meant to live in device memory, but the runtime returned the feature in host memory',
    });
  });

  it('keeps the provider note when host tensors are what it expected', async () => {
    const cache = createFeatureCache('cuda', false, false);
    await cache.store(hostFeature());
    expect(cache.report()).toMatchObject({ location: 'host', peakBytes: 96, note: expect.stringMatching(/returns every CUDA output to host memory/) });
  });
});
