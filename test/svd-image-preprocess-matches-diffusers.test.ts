import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipPixelValues } from '../pipelines/clip-image-preprocess.ts';
import { referenceTensor } from './fixtures/user-model-reference.ts';

// PyTorch's float32 kernels sum in their own order (and may fuse multiply-adds); everything else is rounded as
// PyTorch rounds, so the gap stays at a few float32 ulps (observed below 1e-6).
const TOLERANCE = 1e-5;
const DOWNSCALE_DIR = join(import.meta.dirname, 'fixtures', 'clip-image-preprocess');

function maxAbsDiff(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  return actual.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i]!)), 0);
}

function readRaw(file: string): Uint8Array {
  const bytes = readFileSync(join(DOWNSCALE_DIR, file));
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('clipPixelValues reproduces StableVideoDiffusionPipeline._encode_image preprocessing', () => {
  it('upscales the svd-tiny 32×32 conditioning image to 224×224', () => {
    const image = referenceTensor('svd-tiny', 'image');
    const expected = referenceTensor('svd-tiny', 'image_encoder.pixel_values').data as Float32Array;
    const [, , height, width] = image.dims;
    const actual = clipPixelValues(image.data as Float32Array, height!, width!);
    const error = maxAbsDiff(actual, expected);
    console.log(`svd-tiny 32×32 → 224×224: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
  });

  it('downscales a 90×70 image to 32×32 with the antialiasing blur', () => {
    const index = JSON.parse(readFileSync(join(DOWNSCALE_DIR, 'index.json'), 'utf8')) as {
      size: number;
      tensors: Record<'image' | 'pixel_values', { file: string; shape: number[] }>;
    };
    const [, height, width] = index.tensors.image.shape;
    const image = Float32Array.from(readRaw(index.tensors.image.file), (v) => v / 255);
    const expected = new Float32Array(readRaw(index.tensors.pixel_values.file).buffer);
    const actual = clipPixelValues(image, height!, width!, { size: index.size });
    const error = maxAbsDiff(actual, expected);
    console.log(`90×70 → ${index.size}×${index.size}: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
  });
});
