import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-manifest-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a role mapped to a tensor of the wrong rank is an error naming the role, tensor, its shape and the expected layout', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.inputs.sample = 'encoder_hidden_states';
    m.unet.inputs.encoderHiddenStates = 'sample';
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'HarnessError', code: 'shape-mismatch' });
  expect((error as Error).message).toContain(
    'unet.inputs.sample "encoder_hidden_states" has rank 3 in unet.onnx ([8, 77, 32]); expected rank 5, [batch, channels, frames, height, width]',
  );
});

it('a latent size the graph contradicts is an error naming the axis and both sizes', async () => {
  const path = writeManifestVariant('svd-tiny', dir, (m) => {
    m.latent.frames = 14;
  });
  await expect(loadModelManifest(path)).rejects.toThrow(
    'unet.inputs.sample "sample" is [2, 4, 8, 16, 16] in unet.onnx; its frames axis (dimension 1 of [batch, frames, channels, height, width]) should be 14',
  );
});

it('the wrong sample layout is caught through the channel axis', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.sampleLayout = 'BFCHW';
    m.latent.channels = 8;
  });
  await expect(loadModelManifest(path)).rejects.toThrow(/unet\.inputs\.sample "sample" is \[2, 4, 4, 16, 16\] in unet\.onnx; its channels axis/);
});

it('a context batch that contradicts the graph is an error', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.contextBatch = 'per-video';
  });
  await expect(loadModelManifest(path)).rejects.toThrow('unet.inputs.encoderHiddenStates "encoder_hidden_states" is [8, 77, 32] in unet.onnx; its batch axis (dimension 0 of [batch, tokens, width]) should be 2 (contextBatch per-video)');
});

it('a decoder chunk that does not divide the frames is an error naming both and what is accepted', async () => {
  const path = writeManifestVariant('svd-tiny', dir, (m) => {
    m.vaeDecoder.framesPerCall = 3;
  });
  await expect(loadModelManifest(path)).rejects.toThrow('vaeDecoder.framesPerCall 3 does not divide latent.frames 4; the decoder is called on whole chunks, so accepted: a divisor of 4');
});
