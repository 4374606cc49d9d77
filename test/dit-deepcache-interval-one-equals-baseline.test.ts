import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const TOLERANCE = 1e-5;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const deepcache = (interval: number, branch: number): VariantConfig => ({
  name: 'deepcache',
  kind: 'deepcache',
  cache: { interval, branch, schedule: 'uniform', center: 0, power: 1.4 },
  chunks: null,
  sliceFrames: null,
  swap: false,
});
const baseline: VariantConfig = { name: 'baseline', kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false };

// The exported fixtures, and the built-in preset through the manifest it is materialised as.
const load = (name: string) =>
  name === 'dit-tiny' ? loadDitPreset(join(tmpdir(), 'lightbench-test-models'), getDitPreset(name), 'fused') : loadDitManifest(join(USER_MODELS_DIR, name, 'manifest.json'));

describe('deepcache on a diffusion transformer', () => {
  it.each(['wan-tiny', 'easyanimate-tiny', 'dit-tiny'])('%s: interval 1 (every step full, through the graph that also returns the residual) gives the baseline video within float32 rounding', async (name) => {
    const model = await load(name);
    const run = async (variant: VariantConfig) => {
      const request = userRequest(model, variant, { steps: 4 });
      return runUserPipeline(request, await prepareUserModels(request));
    };
    const plain = await run(baseline);
    const everyStep = await run(deepcache(1, 1));
    expect(everyStep.steps.every((s) => s.kind === 'full')).toBe(true);
    // Within float32 rounding: ONNX Runtime may order a graph with the extra output's Sub a little differently.
    expect(maxAbsDiff(everyStep.frames, plain.frames)).toBeLessThan(TOLERANCE);
    // A cached step does change it, so the equality above is not a comparison that cannot fail.
    const cached = await run(deepcache(2, 1));
    expect(maxAbsDiff(cached.frames, plain.frames)).toBeGreaterThan(100 * TOLERANCE);
  });

  it('refuses a branch that leaves no block to cache, naming the accepted ones', async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const error = await prepareUserModels(userRequest(model, deepcache(2, 2))).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cacheBranch 2: model wan-tiny has 4 blocks; .*accepted: 0, 1/);
  });
});
