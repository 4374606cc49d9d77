import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { AttentionBroadcastConfig, VariantConfig } from '../pipelines/types.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// Block skip range 1 computes every attention at every call (every counter is a multiple of 1), through the graph
// that also returns the attention outputs: the video is the baseline's within float32 rounding. Spatial and cross
// attention broadcast every other call over the whole run changes the video, uses less work and keeps the
// attention outputs: the equality is not one that cannot fail.
const TOLERANCE = 1e-5;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const pab = (config: AttentionBroadcastConfig): VariantConfig => ({ ...BASELINE, name: 'pab', kind: 'pab', attentionBroadcast: config });

describe('pab with block skip range 1', () => {
  it('wan-tiny: computes every attention at every call and gives the baseline video; skip range 2 over every timestep broadcasts', async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const run = (variant: VariantConfig) => runUser(userRequest(model, variant, { steps: 4 }));
    const plain = await run(BASELINE);
    const never = await run(pab({ spatialAttentionBlockSkipRange: 1, spatialAttentionTimestepSkipRange: [0, 1000], crossAttentionBlockSkipRange: 1, crossAttentionTimestepSkipRange: [0, 1000] }));
    expect(never.steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'full']);
    for (const step of never.steps) {
      expect(step.decision!.method).toBe('pab');
      expect(step.decision!.calls.map((c) => c.call)).toEqual(['negative', 'prompt']);
      expect(step.decision!.calls.flatMap((c) => c.attention!.map((a) => a.kind))).toEqual(['spatial', 'cross', 'spatial', 'cross']);
    }
    expect(maxAbsDiff(never.frames, plain.frames)).toBeLessThan(TOLERANCE);
    expect(never.flops.denoise!).toBeGreaterThanOrEqual(plain.flops.denoise!);

    const every = await run(pab({ spatialAttentionBlockSkipRange: 2, spatialAttentionTimestepSkipRange: [0, 1000], crossAttentionBlockSkipRange: 2, crossAttentionTimestepSkipRange: [0, 1000] }));
    // The prompt call (made first) computes at even counters; the negative prompt's call, at odd ones, broadcasts
    // the prompt call's fresh output, from the first step on (the kept output exists once the prompt call ran).
    expect(every.steps.map((s) => s.decision!.calls.map((c) => c.computed))).toEqual([
      [false, true],
      [false, true],
      [false, true],
      [false, true],
    ]);
    expect(every.cache.peakBytes).toBeGreaterThan(0);
    expect(maxAbsDiff(every.frames, plain.frames)).toBeGreaterThan(100 * TOLERANCE);
  });
});
