import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../harness/command-models.ts';
import { HarnessError } from '../harness/harness-error.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const manifest = (fixture: string) => join(USER_MODELS_DIR, fixture, 'manifest.json');

describe('diffusion-transformer manifests', () => {
  it('wan-tiny: one image stream through 4 blocks, UniPC, a per-frame causal decoder with matching cache slots', async () => {
    const model = await loadDitManifest(manifest('wan-tiny'));
    expect(model.denoiser.tokens).toEqual({ image: 3 * 2 * 2, text: 16 });
    expect(model.denoiser.architecture.blocks.streams).toEqual(['image']);
    expect(model.denoiser.architecture.blocks.outputs).toHaveLength(4);
    expect(model.scheduler.kind).toBe('unipc');
    const causal = model.vaeDecoder.causalFrames!;
    expect(causal.nextFrame.cacheInputs.length).toBeGreaterThan(0);
    // The time upsamplers' slots start as zeros (one per upsampler: 2 in this VAE); every other slot starts from the first frame.
    expect(causal.firstFrame.cacheOutputs.filter((t) => t === null)).toHaveLength(2);
    causal.firstFrame.cacheOutputs.forEach((t, i) => {
      if (t) expect(t.shape).toEqual(causal.nextFrame.cacheInputs[i]!.shape);
    });
  });

  it('easyanimate-tiny: image and text streams (MM-DiT), flow-matching Euler, the last block hands on no text, a per-frame decoder', async () => {
    const model = await loadDitManifest(manifest('easyanimate-tiny'));
    const { blocks } = model.denoiser.architecture;
    expect(blocks.streams).toEqual(['image', 'text']);
    expect(blocks.outputs.slice(0, 3).every((out) => out.image && out.text)).toBe(true);
    expect(blocks.outputs[3]).toEqual({ image: expect.any(String) });
    expect(model.scheduler).toEqual({ kind: 'flow-match-euler', numTrainTimesteps: 1000, shift: 1 });
    // MagVIT's first frame fills every cache slot (it pads by repeating the frame), each at its later shape.
    const causal = model.vaeDecoder.causalFrames!;
    expect(causal.firstFrame.cacheOutputs.map((t) => t?.shape)).toEqual(causal.nextFrame.cacheInputs.map((t) => t.shape));
  });

  it.each([
    ['wan-tiny', /unipc \(flow_prediction, flow shift 3, order 2 bh2\)/, /teacache measuring "linear_1"[\s\S]*frame by frame with \d+ causal cache tensors/],
    ['easyanimate-tiny', /flow-match-euler \(shift 1\)/, /streams image \+ text[\s\S]*no teacache \(the manifest gives no denoiser\.teaCache\)[\s\S]*frame by frame with \d+ causal cache tensors/],
  ])('models inspect %s prints the sampler and the block boundaries', async (fixture, sampler, detail) => {
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
    expect(await main(['inspect', manifest(fixture)])).toBe(0);
    expect(printed).toMatch(sampler);
    expect(printed).toMatch(detail);
    expect(printed).toMatch(/4 transformer blocks/);
  });

  it('the UNet manifest loader refuses a DiT manifest with a message that names its kind and the command that checks it', async () => {
    const error = await loadModelManifest(manifest('wan-tiny')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('unsupported-model');
    expect((error as Error).message).toContain('"text-to-video-dit"');
    expect((error as Error).message).toContain('models inspect');
  });
});
