import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// Threshold 0 computes the remaining blocks at every step (the first block's residual always changes), through the
// head and the rest graph: the video is the baseline's within float32 rounding. A threshold no change reaches
// reuses every step after the first, which changes the video: the equality is not one that cannot fail.
const TOLERANCE = 1e-5;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const firstBlockCache = (threshold: number): VariantConfig => ({ ...BASELINE, name: 'first-block-cache', kind: 'first-block-cache', runtimeCache: { method: 'first-block-cache', threshold } });

describe('first-block-cache at threshold 0', () => {
  it.each([
    ['wan-tiny', ['negative', 'prompt']],
    ['easyanimate-tiny', ['batch']],
  ])('%s: computes every step and gives the baseline video; a huge threshold reuses every later step', async (fixture, calls) => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    const run = (variant: VariantConfig) => runUser(userRequest(model, variant, { steps: 4 }));
    const plain = await run(BASELINE);
    const everyStep = await run(firstBlockCache(0));
    expect(everyStep.steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'full']);
    // One decision per call of the source pipeline: WanPipeline's two, EasyAnimatePipeline's one batched call.
    for (const step of everyStep.steps) expect(step.decision!.calls.map((c) => c.call)).toEqual(calls);
    expect(everyStep.steps.slice(1).every((s) => s.decision!.calls.every((c) => c.change! > 0))).toBe(true);
    expect(maxAbsDiff(everyStep.frames, plain.frames)).toBeLessThan(TOLERANCE);

    const reused = await run(firstBlockCache(100));
    expect(reused.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'cached', 'cached']);
    expect(reused.cache.peakBytes).toBeGreaterThan(0);
    expect(maxAbsDiff(reused.frames, plain.frames)).toBeGreaterThan(100 * TOLERANCE);
    expect(reused.flops.denoise!).toBeLessThan(plain.flops.denoise!);
  });
});
