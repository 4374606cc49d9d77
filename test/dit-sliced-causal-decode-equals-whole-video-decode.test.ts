import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import type { UserDitSource } from '../pipelines/models/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { BASELINE, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { maxAbs, maxAbsDiff } from './fixtures/run-built-graph.ts';

const modelDir = join(tmpdir(), 'lightbench-test-models');
const models: Record<string, () => Promise<UserDitSource>> = {
  'dit-tiny (built-in causal VAE)': () => loadDitPreset(modelDir, getDitPreset('dit-tiny'), 'fused'),
  'wan-tiny (exported AutoencoderKLWan)': () => loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json')),
};

describe('lightcache-slice on a diffusion transformer', () => {
  it.each(Object.keys(models))('%s: one latent frame per call with the causal cache carried gives the whole-video decode', async (name) => {
    const model = await models[name]!();
    const run = async (sliceFrames: number | null) => {
      const request = userRequest(model, { ...BASELINE, sliceFrames }, { steps: 2 });
      const files = await prepareUserModels(request);
      return { request, files, output: await runUserPipeline(request, files) };
    };
    const whole = await run(null);
    const sliced = await run(1);
    expect(whole.files.causalDecoder).toBeNull();
    expect(sliced.files.causalDecoder).not.toBeNull();
    // The sliced run decodes through the per-frame graphs (without them it stops), which do the whole decoder's work.
    await expect(runUserPipeline(sliced.request, { ...sliced.files, causalDecoder: null })).rejects.toThrow(/slices the decode/);
    expect(sliced.output.flops.decode).toBe(whole.output.flops.decode);
    expect(sliced.output.frameShape).toEqual(whole.output.frameShape);
    expect(whole.output.frameShape[0]).toBe(1 + 4 * (model.latent.frames - 1));
    expect(maxAbs(whole.output.frames.map((v) => v - 0.5))).toBeGreaterThan(0.01);
    expect(maxAbsDiff(sliced.output.frames, whole.output.frames)).toBeLessThan(1e-5);
  });
});
