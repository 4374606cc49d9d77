import { existsSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { HarnessError } from './harness-error.ts';

/**
 * An image-to-video conditioning image from a PNG file as planar [3, height, width] in [0, 1] (8-bit values / 255,
 * alpha dropped). It must already have the size the model's VAE encoder takes: diffusers resizes with PIL, whose
 * filters lightbench does not reproduce, so a resize here would feed the model something diffusers never would.
 */
export function readConditioningImage(path: string, height: number, width: number): Float32Array {
  if (!existsSync(path)) throw new HarnessError('image-not-found', `conditioning image not found: ${path}`);
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (error) {
    throw new HarnessError('bad-image', `${path} is not a readable PNG image: ${(error as Error).message}`);
  }
  if (png.width !== width || png.height !== height) {
    throw new HarnessError('bad-image', `${path} is ${png.width}×${png.height}; the model's VAE encoder takes ${width}×${height} images (resize it to that first)`);
  }
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = png.data[p * 4 + c]! / 255;
  return out;
}
