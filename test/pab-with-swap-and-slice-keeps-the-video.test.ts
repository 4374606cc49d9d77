import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { resolveVariant } from '../pipelines/variants.ts';
import { BASELINE, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const target = { name: 'wan-tiny', cacheBranches: [0, 1], fixedDecodeFrames: 1, tokens: 12 };
// Spatial attention every 2nd call and cross-attention every 3rd over the whole run, so both kinds are broadcast.
const PARAMETERS = { spatialAttentionBlockSkipRange: 2, spatialAttentionTimestepSkipRange: [0, 1000] as [number, number], crossAttentionBlockSkipRange: 3, crossAttentionTimestepSkipRange: [0, 1000] as [number, number] };

describe('pab with LightCache swap and slice', () => {
  it('broadcasts the same attention at every call and gives the same video, with models swapped and frames decoded one by one', async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const run = async (variant: VariantConfig) => {
      const request = userRequest(model, variant, { steps: 6 });
      return runUserPipeline(request, await prepareUserModels(request));
    };
    const plain = await run(resolveVariant('pab', PARAMETERS, target, model.latent.frames, 6));
    const switched = await run(resolveVariant('pab', { ...PARAMETERS, swap: true, slice: true }, target, model.latent.frames, 6));
    const broadcast = (steps: typeof plain.steps) => steps.map((s) => s.decision!.calls.map((c) => c.attention!.map((a) => a.computed)));
    expect(broadcast(switched.steps)).toEqual(broadcast(plain.steps));
    expect(broadcast(plain.steps).flat(2)).toContain(false);
    expect(plain.swaps).toEqual([]);
    expect(switched.swaps.some((s) => s.stage === 'denoise' && /denoiser-pab/.test(s.what))).toBe(true);
    expect(switched.swaps.some((s) => s.stage === 'decode' && /vae-decoder-next-frame/.test(s.what))).toBe(true);
    expect(maxAbsDiff(switched.frames, plain.frames)).toBeLessThanOrEqual(1e-4);
    // Broadcasting changed the video, so equal frames above is not a comparison that cannot fail.
    expect(maxAbsDiff((await run(BASELINE)).frames, plain.frames)).toBeGreaterThan(1e-3);
  }, 120_000);

  it('refuses chunk, naming the caches that take it', () => {
    expect(() => resolveVariant('pab', { chunk: true }, target, 3, 6)).toThrow(/chunk: pab takes swap and slice but not chunk.*first-block-cache, teacache, mag-cache/);
  });
});
