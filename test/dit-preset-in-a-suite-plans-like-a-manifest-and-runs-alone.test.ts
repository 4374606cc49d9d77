import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUserModels, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const modelDir = join(tmpdir(), 'lightbench-test-models');
const plan = async (file: SuiteFile) => planSuite(file, {}, await loadUserModels(file, {}, modelDir));

describe('a DiT preset named in a suite', () => {
  it("plans as its materialised manifest: Wan's UniPC, the preset's steps and guidance, recorded under the preset's name", async () => {
    const planned = await plan({ models: ['dit-tiny'], variants: ['baseline', 'lightcache-slice'] });
    expect(planned.suite.models).toEqual(['dit-tiny']);
    expect(planned.pairs.map((p) => [p.model, p.source.kind, p.variant.sliceFrames])).toEqual([
      ['dit-tiny', 'dit-preset', null],
      ['dit-tiny', 'dit-preset', 1],
    ]);
    expect(planned.scheduler).toMatchObject({ kind: 'unipc', predictionType: 'flow_prediction', flowShift: 3 });
    expect([planned.suite.steps, planned.suite.guidanceScale, planned.suite.frames]).toEqual([4, 5, 3]);
  });

  it('is built for the frames the suite asks for (latent frames; 1 + 4(T − 1) video frames)', async () => {
    const [model] = [...(await loadUserModels({ models: ['dit-tiny'], frames: 2 }, {}, modelDir)).values()];
    if (model?.kind !== 'text-to-video-dit') throw new Error('expected a DiT model');
    expect(model.latent.frames).toBe(2);
    expect(model.video.frames).toBe(5);
  });

  it('runs alone, refuses a suite scheduler and a slice its causal decoder cannot take', async () => {
    await expect(plan({ models: ['dit-tiny', 'tiny'] })).rejects.toThrow(/a diffusion-transformer preset \(dit-tiny\) runs alone in a suite/);
    await expect(plan({ models: ['dit-tiny'], scheduler: 'ddim' })).rejects.toThrow(/brings its own scheduler \(Wan's UniPC/);
    await expect(plan({ models: ['dit-tiny'], variants: [{ name: 'lightcache-slice', sliceFrames: 2 }] })).rejects.toThrow(/sliceFrames 2: .* exactly 1 frames per call \(vaeDecoder.causalFrames/);
  });

  it('a DiT manifest without per-frame causal graphs refuses lightcache-slice, naming the field and what runs', async () => {
    const wan = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const whole = { ...wan, vaeDecoder: { ...wan.vaeDecoder, causalFrames: null } };
    const file = { models: ['wan.json'], variants: ['baseline', 'lightcache-slice'] } as SuiteFile;
    expect(() => planSuite(file, {}, new Map([['wan.json', whole]]))).toThrow(/lightcache-slice slices the decode, but model wan-tiny has no per-frame causal decoder graphs \(vaeDecoder.causalFrames .*run baseline, deepcache, fme, lightcache-swap, lightcache-chunk, first-block-cache, teacache, mag-cache, pab$/);
  });
});
