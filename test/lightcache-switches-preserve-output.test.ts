import { describe, expect, it } from 'vitest';
import { maxAbsDifference, runTiny } from './fixtures/run-tiny-variant.ts';

// Each LightCache switch on top of DeepCache changes where and how the work happens, not what is computed.
describe('LightCache switches against plain DeepCache on tiny', () => {
  it('swap on/off gives identical frames and itemises each model load and release', async () => {
    const deepcache = await runTiny('deepcache');
    const swap = await runTiny('lightcache-swap');
    expect(maxAbsDifference(deepcache.frames, swap.frames)).toBe(0);
    expect(swap.swaps.map((s) => `${s.stage}:${s.what}`)).toEqual([
      'encode:load text-encoder',
      'encode:release text-encoder',
      'denoise:load unet-full',
      'denoise:load unet-shallow',
      'denoise:release unet-full',
      'denoise:release unet-shallow',
      'decode:load vae-decoder-x4',
      'decode:release vae-decoder-x4',
    ]);
    expect(swap.cache.note).toMatch(/no-op on the CPU provider/);
    expect(deepcache.swaps).toEqual([]);
  });

  it('chunk on/off agrees within 1e-4', async () => {
    const deepcache = await runTiny('deepcache');
    const chunked = await runTiny('lightcache-chunk');
    const error = maxAbsDifference(deepcache.frames, chunked.frames);
    console.log(`chunk on vs off: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it('slice on/off (1 and 3 frames per decode) agrees within 1e-5', async () => {
    const deepcache = await runTiny('deepcache');
    for (const sliceFrames of [1, 3]) {
      const sliced = await runTiny('lightcache-slice', { sliceFrames });
      const error = maxAbsDifference(deepcache.frames, sliced.frames);
      console.log(`slice ${sliceFrames} vs all frames: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(1e-5);
    }
  });
});
