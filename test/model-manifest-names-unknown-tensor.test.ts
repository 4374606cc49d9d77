import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-manifest-tensor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('an input name the graph lacks is an error naming the role and value and listing the inputs, closest first', async () => {
  const path = writeManifestVariant('svd-tiny', dir, (m) => {
    m.unet.inputs.addedTimeIds = 'added_time_id';
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'HarnessError', code: 'unknown-tensor' });
  const message = (error as Error).message;
  expect(message).toContain('unet.inputs.addedTimeIds is "added_time_id"');
  expect(message).toContain('unet.onnx has no input of that name');
  expect(message).toContain('its inputs: sample, timestep, encoder_hidden_states, added_time_ids');
  expect(message).toMatch(/closest: added_time_ids,/);
});

it('an output name the graph lacks is an error on the outputs side', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.vaeDecoder.outputs.sample = 'frames';
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'unknown-tensor' });
  expect((error as Error).message).toContain('vaeDecoder.outputs.sample is "frames", but ');
  expect((error as Error).message).toContain('vae_decoder.onnx has no output of that name; its outputs: sample');
});

it('a cut point tensor no node produces is an error listing close tensor names', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.deepCache.cutPoints[0].tensor = 'add_1490';
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'unknown-tensor' });
  expect((error as Error).message).toMatch(/unet\.deepCache\.cutPoints\.0\.tensor is "add_1490", which no node of \S*unet\.onnx produces \(closest: [^)]*\badd_149\b/);
});

it('a cut point that pairs with another branch than the one stated is an error naming both', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.deepCache.cutPoints = [{ branch: 0, tensor: 'add_113' }];
  });
  await expect(loadModelManifest(path)).rejects.toThrow('"add_113" enters up_blocks.1.resnets.1, which consumes branch 2, not branch 0');
});
