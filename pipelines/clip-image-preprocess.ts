// The conditioning image as Stable Video Diffusion's CLIP image encoder receives it: diffusers'
// StableVideoDiffusionPipeline._encode_image resizes in [-1, 1] (to match the original implementation), returns to
// [0, 1], then CLIPImageProcessor normalises per channel with resizing, cropping and rescaling switched off.
import { resizeWithAntialiasing } from './antialiased-resize.ts';
import { HarnessError } from './harness-error.ts';

/** OpenAI CLIP's per-channel RGB mean, as transformers' OPENAI_CLIP_MEAN. */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** OpenAI CLIP's per-channel RGB standard deviation, as transformers' OPENAI_CLIP_STD. */
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * CLIP pixel values, planar [3, size, size], of a planar RGB image [3, height, width] in [0, 1] (8-bit values / 255).
 * Each step rounds to float32 as the float32 tensors of diffusers and transformers do.
 */
export function clipPixelValues(
  image: Float32Array,
  height: number,
  width: number,
  options: { size?: number; mean?: readonly number[]; std?: readonly number[] } = {},
): Float32Array {
  const { size = 224, mean = OPENAI_CLIP_MEAN, std = OPENAI_CLIP_STD } = options;
  if (image.length !== 3 * height * width) {
    throw new HarnessError('image-shape-mismatch', `an RGB image of ${height}×${width} has ${3 * height * width} values, got ${image.length}`);
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new HarnessError('clip-size-invalid', `the CLIP input size must be a positive integer, got ${size}`);
  }
  if (mean.length !== 3 || std.length !== 3) {
    throw new HarnessError('clip-normalisation-mismatch', `CLIP mean and std need 3 values each, got ${mean.length} and ${std.length}`);
  }
  const signed = image.map((v) => v * 2 - 1);
  const resized = resizeWithAntialiasing(signed, 3, height, width, size, size);
  const planeSize = size * size;
  return resized.map((v, i) => {
    const channel = Math.floor(i / planeSize);
    const unit = Math.fround(Math.fround(v + 1) / 2);
    return Math.fround(unit - Math.fround(mean[channel]!)) / Math.fround(std[channel]!);
  });
}
