import { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, attention, conv2d, groupNorm, reshape, scale, silu, transpose, upsampleNearest2x } from '../onnx/ops.ts';
import type { AttentionForm, TensorRef } from '../onnx/types.ts';
import { resnetBlock } from './unet-layers.ts';
import type { ModelPreset } from './types.ts';
import { VAE_IO } from './types.ts';

/** The VAE mid-block attention: GroupNorm, one head over all positions, residual. */
function vaeAttention(b: GraphBuilder, name: string, x: TensorRef, groups: number): TensorRef {
  return b.scope(name, () => {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const tokens = transpose(b, reshape(b, groupNorm(b, 'group_norm', x, groups, 1e-6), [n, c, h * w]), [0, 2, 1]);
    const attended = attention(b, 'attn', tokens, { heads: 1, qkvBias: true });
    return add(b, x, reshape(b, transpose(b, attended, [0, 2, 1]), [n, c, h, w]));
  });
}

/**
 * SD-VAE decoder for `frames` frames at once: latents [frames, 4, h, w] (scaled by 1/scalingFactor inside),
 * post_quant_conv, conv_in, mid block (resnet, attention, resnet), 4 up blocks of layersPerBlock+1 resnets with
 * 2× upsampling in the first three, norm, SiLU, conv_out; output frames [frames, 3, 8h, 8w] mapped to [0, 1].
 */
export function buildVaeDecoderGraph(preset: ModelPreset, frames: number, seed: number, materialize = true, attentionForm: AttentionForm = 'fused'): GraphBuilder {
  const { vae } = preset;
  const g = vae.normGroups;
  const b = new GraphBuilder({ name: `vae-decoder-${preset.name}-x${frames}`, seed, materialize, attention: attentionForm });
  const latents = b.input(VAE_IO.latents, [frames, preset.latentChannels, preset.latentHeight, preset.latentWidth]);
  const reversed = [...vae.blockChannels].reverse();
  let x = conv2d(b, 'post_quant_conv', scale(b, latents, 1 / vae.scalingFactor), preset.latentChannels, { kernel: 1 });
  x = conv2d(b, 'decoder.conv_in', x, reversed[0]!);
  x = resnetBlock(b, 'decoder.mid_block.resnets.0', x, reversed[0]!, g, null, 1e-6);
  x = vaeAttention(b, 'decoder.mid_block.attentions.0', x, g);
  x = resnetBlock(b, 'decoder.mid_block.resnets.1', x, reversed[0]!, g, null, 1e-6);
  reversed.forEach((channels, i) => {
    for (let j = 0; j <= vae.layersPerBlock; j++) x = resnetBlock(b, `decoder.up_blocks.${i}.resnets.${j}`, x, channels, g, null, 1e-6);
    if (i < reversed.length - 1) x = conv2d(b, `decoder.up_blocks.${i}.upsamplers.0.conv`, upsampleNearest2x(b, x), channels);
  });
  x = conv2d(b, 'decoder.conv_out', silu(b, groupNorm(b, 'decoder.conv_norm_out', x, g, 1e-6)), 3);
  const unit = b.op('Clip', [scale(b, add(b, x, b.scalar(1)), 0.5), b.scalar(0), b.scalar(1)], x.shape);
  b.output(unit, VAE_IO.frames);
  return b;
}
