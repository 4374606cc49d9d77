import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadUserModels, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';
import { readConditioningImage } from '../pipelines/conditioning-image.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-image-'));

// The recorded SVD conditioning image (8-bit values / 255) written as a PNG, as a user would pass it.
function writeReferencePng(width: number, height: number): { path: string; planar: Float32Array } {
  const planar = referenceTensor('svd-tiny', 'image').data as Float32Array;
  const png = new PNG({ width, height });
  const plane = 32 * 32;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y % 32) * 32 + (x % 32);
      for (let c = 0; c < 3; c++) png.data[(y * width + x) * 4 + c] = Math.round(planar[c * plane + p]! * 255);
      png.data[(y * width + x) * 4 + 3] = 255;
    }
  }
  const path = join(dir, `image-${width}x${height}.png`);
  writeFileSync(path, PNG.sync.write(png));
  return { path, planar };
}

const plan = async (suite: SuiteFile) => planSuite(suite, {}, await loadUserModels(suite));

describe('an image-to-video run conditioned on a PNG file', () => {
  it('reads the PNG as planar [3, H, W] of 8-bit values / 255, exactly the values the PyTorch run used', () => {
    const { path, planar } = writeReferencePng(32, 32);
    expect(readConditioningImage(path, 32, 32)).toEqual(planar);
  });

  it('a suite records the image; a wrong size or a text-to-video model is refused before anything runs', async () => {
    const good = writeReferencePng(32, 32).path;
    const planned = await plan({ models: [join(USER_MODELS_DIR, 'svd-tiny', 'manifest.json')], image: good });
    expect(planned.suite.image).toBe(good);
    const wrong = writeReferencePng(48, 32).path;
    await expect(plan({ models: [join(USER_MODELS_DIR, 'svd-tiny', 'manifest.json')], image: wrong })).rejects.toThrow(/is 48×32; the model's VAE encoder takes 32×32 images/);
    await expect(plan({ models: [join(USER_MODELS_DIR, 'animatediff-tiny', 'manifest.json')], image: good })).rejects.toThrow(/model animatediff-tiny is text-to-video/);
    await expect(plan({ models: [join(USER_MODELS_DIR, 'svd-tiny', 'manifest.json')], image: join(dir, 'missing.png') })).rejects.toThrow(/conditioning image not found: .*missing\.png/);
  });
});
