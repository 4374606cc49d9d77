import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-dit-manifest-'));

/** The fixture's manifest, edited, in a folder of its own beside links to the fixture's files (paths stay relative). */
function variant(fixture: string, edit: (m: Record<string, any>) => void): string {
  return writeManifestVariant(fixture, dir, edit);
}

async function loadError(path: string): Promise<HarnessError> {
  const error = await loadDitManifest(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HarnessError);
  return error as HarnessError;
}

describe('DiT manifest validation names the field and the value', () => {
  it('accepts the unedited fixture as a variant (the edits below are what fails)', async () => {
    await expect(loadDitManifest(variant('wan-tiny', () => {}))).resolves.toMatchObject({ kind: 'text-to-video-dit' });
  });

  it('a block tensor no node produces', async () => {
    const error = await loadError(variant('easyanimate-tiny', (m) => (m.denoiser.architecture.blocks.outputs[1].text = 'add_999')));
    expect(error.code).toBe('unknown-tensor');
    expect(error.message).toContain('denoiser.architecture.blocks.outputs.1.text is "add_999"');
  });

  it('a block list that disagrees with the count', async () => {
    const error = await loadError(variant('wan-tiny', (m) => m.denoiser.architecture.blocks.outputs.pop()));
    expect(error.message).toContain('count is 4 but outputs lists 3 blocks');
  });

  it('latents that do not split into patches', async () => {
    const error = await loadError(variant('wan-tiny', (m) => (m.denoiser.architecture.patchSize = [1, 3, 3])));
    expect(error.code).toBe('shape-mismatch');
    expect(error.message).toContain('patches of 1×3×3');
  });

  it('a latent size the denoiser graph does not take', async () => {
    const error = await loadError(variant('wan-tiny', (m) => (m.latent.frames = 5)));
    expect(error.code).toBe('shape-mismatch');
    expect(error.message).toContain('denoiser.inputs.sample');
  });

  it('a cache slot handed on under one shape and taken under another', async () => {
    const error = await loadError(
      variant('wan-tiny', (m) => {
        const outs = m.vaeDecoder.causalFrames.firstFrame.cacheOutputs as (string | null)[];
        [outs[0], outs[1]] = [outs[1]!, outs[0]!];
        expect(outs[0]).not.toBeNull();
      }),
    );
    expect(error.code).toBe('shape-mismatch');
    expect(error.message).toContain('a cache slot keeps its shape from call to call');
  });

  it('a cache tensor the graph does not have, named by its slot', async () => {
    const error = await loadError(variant('wan-tiny', (m) => (m.vaeDecoder.causalFrames.firstFrame.cacheOutputs[23] = 'cache_out_x')));
    expect(error.code).toBe('unknown-tensor');
    expect(error.message).toContain('vaeDecoder.causalFrames.firstFrame.cacheOutputs.23 is "cache_out_x"');
  });

  it('a per-channel latent scale of the wrong length, and both kinds of scale at once', async () => {
    expect((await loadError(variant('wan-tiny', (m) => m.latent.channelMean.pop()))).message).toContain('one value per latent channel');
    expect((await loadError(variant('wan-tiny', (m) => (m.latent.scalingFactor = 0.5)))).message).toContain('either scalingFactor or channelMean');
  });

  it('a scheduler config that does not validate', async () => {
    const error = await loadError(variant('wan-tiny', (m) => (m.scheduler.solverType = 'bh1')));
    expect(error.message).toContain('scheduler');
    expect(error.message).toContain('only bh2 is supported');
  });
});
