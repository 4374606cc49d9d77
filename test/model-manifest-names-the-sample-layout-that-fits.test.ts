import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-manifest-layout-'));

// SVD's sample is [2, 4 frames, 8 channels, 16, 16]: as BCFHW it would need 8 channels where the frames are.
it('a sampleLayout the graph contradicts names the layout the graph has', async () => {
  const path = writeManifestVariant('svd-tiny', dir, (m) => {
    m.unet.sampleLayout = 'BCFHW';
  });
  const error = (await loadModelManifest(path).catch((e: unknown) => e)) as Error & { code: string };
  expect(error.code).toBe('shape-mismatch');
  expect(error.message).toContain('unet.sampleLayout is BCFHW, but unet.inputs.sample "sample" is [2, 4, 8, 16, 16] in unet.onnx, which is the BFCHW layout');
  expect(error.message).toContain('set unet.sampleLayout to "BFCHW"');
});

it('the right layout loads', async () => {
  const model = await loadModelManifest(writeManifestVariant('svd-tiny', dir, () => {}));
  expect(model.unet.sampleLayout).toBe('BFCHW');
});
