import { GraphBuilder } from '../onnx/graph-builder.ts';
import { silu } from '../onnx/ops.ts';
import { CausalCaches, causalConv, channelRmsNorm, residualBlock, upsample } from './dit-vae-layers.ts';
import type { DitPreset, DitVaeGraphMode } from './types.ts';
import { DIT_VAE_IO } from './types.ts';

/** Pixel frames a Wan-style VAE decodes from `latentFrames`: the first frame once, every later one ×4. */
export function ditPixelFrames(latentFrames: number): number {
  return 1 + 4 * (latentFrames - 1);
}

/**
 * A Wan-style causal 3D VAE decoder (AutoencoderKLWan's decoder in miniature): causal conv_in, a residual mid
 * block, three stages of (residual block, upsampling ×2 in space, the first two also ×2 in time), RMS norm, SiLU,
 * causal conv_out to RGB clamped to [-1, 1]. `whole-video` decodes latent_sample [1, C, T, h, w] to sample
 * [1, 3, 1 + 4(T − 1), 8h, 8w] in one call; `first-frame` and `next-frame` decode latent_frame [1, C, 1, h, w],
 * the next-frame graph taking cache_in_i and both handing on cache_out_i (the first frame leaves the temporal
 * upsamplers' slots unset: they start as zeros). The three share weights, so decoding frame by frame with the
 * cache carried gives the whole-video result.
 */
export function buildDitVaeDecoderGraph(preset: DitPreset, mode: DitVaeGraphMode, seed: number, materialize = true): GraphBuilder {
  const { channels, eps } = preset.vae;
  const b = new GraphBuilder({ name: `dit-vae-decoder-${preset.name}-${mode}`, seed, materialize });
  const frames = mode === 'whole-video' ? preset.frames : 1;
  const latents = b.input(mode === 'whole-video' ? DIT_VAE_IO.latents : DIT_VAE_IO.frame, [1, preset.latentChannels, frames, preset.latentHeight, preset.latentWidth]);
  const caches = new CausalCaches(b, mode);
  let x = causalConv(b, caches, 'decoder.conv_in', latents, channels[0]);
  x = residualBlock(b, caches, 'decoder.middle.0', x, eps);
  for (let i = 0; i < 3; i++) {
    x = residualBlock(b, caches, `decoder.upsamples.${i}.0`, x, eps);
    x = upsample(b, caches, `decoder.upsamples.${i}.1`, x, channels[i + 1]!, i < 2);
  }
  x = causalConv(b, caches, 'decoder.head.2', silu(b, channelRmsNorm(b, 'decoder.head.0', x, eps)), 3);
  b.output(b.op('Clip', [x, b.scalar(-1), b.scalar(1)], x.shape), DIT_VAE_IO.sample);
  return b;
}
