import { GraphBuilder } from '../onnx/graph-builder.ts';
import { chunkSizes, concat, conv2d, groupNorm, linear, silu, split, sinusoidalEmbedding, sinusoidalTable, upsampleNearest2x } from '../onnx/ops.ts';
import type { TensorRef } from '../onnx/types.ts';
import { motionModule, motionNormStats, overSlices, resnetBlock, spatialTransformer } from './unet-layers.ts';
import type { ModelPreset, UnetGraphOptions } from './types.ts';
import { UNET_IO } from './types.ts';

/** Number of DeepCache branches of a preset: one per down layer (resnet + attention + motion unit). */
export function unetBranchCount(preset: ModelPreset): number {
  return preset.unet.blockChannels.length * preset.unet.layersPerBlock;
}

/** Shape of the cached feature for a branch: the up-path hidden state entering the up layer paired with that branch's skip. */
export function cacheFeatureShape(preset: ModelPreset, options: Pick<UnetGraphOptions, 'cacheBranch' | 'frames' | 'videos'>): number[] {
  const { blockChannels, layersPerBlock } = preset.unet;
  const level = Math.floor(options.cacheBranch / layersPerBlock);
  const last = blockChannels.length - 1;
  // Up block (last - level) receives the output of the block below it; at the deepest level that is the mid block.
  const channels = level === last ? blockChannels[last]! : blockChannels[level + 1]!;
  const layerInBlock = options.cacheBranch % layersPerBlock;
  // Layers of an up block before the cut change channels to the block's own width.
  const entering = layerInBlock === layersPerBlock - 1 ? channels : blockChannels[level]!;
  const scaleDown = 2 ** level;
  return [options.videos * options.frames, entering, preset.latentHeight / scaleDown, preset.latentWidth / scaleDown];
}

/** The down path's skips in order: -1 for conv_in, the branch index for a down layer, null for a downsampler. */
export function skipSchedule(preset: ModelPreset): (number | null)[] {
  const schedule: (number | null)[] = [-1];
  const levels = preset.unet.blockChannels.length;
  for (let level = 0; level < levels; level++) {
    for (let j = 0; j < preset.unet.layersPerBlock; j++) schedule.push(level * preset.unet.layersPerBlock + j);
    if (level < levels - 1) schedule.push(null);
  }
  return schedule;
}

interface Skip {
  tensor: TensorRef;
  /** Down layer index that produced it (-1 for conv_in, null for downsamplers). */
  branch: number | null;
}

/**
 * Builds one UNet graph. Inputs: sample [videos·frames, 4, h, w], timestep [1], encoder_hidden_states
 * [videos·frames, T, D] (and cache_feature in shallow mode); output noise_pred (and cache_feature in full-with-cache mode).
 * With `chunks`, spatial layers run over slices of the batch×frames axis and motion modules over slices of rows.
 */
export function buildUnetGraph(preset: ModelPreset, options: UnetGraphOptions, seed: number, materialize = true): GraphBuilder {
  const { unet } = preset;
  const { frames, videos, mode } = options;
  const n = videos * frames;
  const branches = unetBranchCount(preset);
  if (!Number.isInteger(options.cacheBranch) || options.cacheBranch < 0 || options.cacheBranch >= branches) {
    throw new RangeError(`cacheBranch ${options.cacheBranch} is outside 0..${branches - 1} for preset ${preset.name}`);
  }
  const b = new GraphBuilder({ name: `unet-${preset.name}-${mode}`, seed, materialize, attention: options.attention ?? 'fused' });
  const sample = b.input(UNET_IO.sample, [n, preset.latentChannels, preset.latentHeight, preset.latentWidth]);
  const timestep = b.input(UNET_IO.timestep, [1]);
  const context = b.input(UNET_IO.context, [n, preset.text.contextLength, preset.text.width]);
  const cacheIn = mode === 'shallow' ? b.input(UNET_IO.cacheFeature, cacheFeatureShape(preset, options)) : null;

  const batchSizes = chunkSizes(n, options.chunks?.batchFrames ?? 1);
  const spatialChunks = options.chunks?.spatial ?? 1;

  const c0 = unet.blockChannels[0]!;
  const tembSilu = b.scope('time_embedding', () => {
    const projected = sinusoidalEmbedding(b, timestep, c0);
    const hidden = linear(b, 'linear_1', projected, 4 * c0);
    return silu(b, linear(b, 'linear_2', silu(b, hidden), 4 * c0));
  });

  const spatial = (inputs: TensorRef[], body: (slices: TensorRef[]) => TensorRef) => overSlices(b, inputs, 0, batchSizes, body);
  const motion = (name: string, x: TensorRef) => {
    const slices = split(b, x, 2, chunkSizes(x.shape[2]!, spatialChunks));
    const stats = motionNormStats(b, slices, frames, unet.normGroups);
    const c = x.shape[1]!;
    const table = b.constant(sinusoidalTable(frames, c), [1, frames, c]);
    return concat(b, slices.map((slice) => motionModule(b, name, slice, stats, unet.motionHeads, table)), 2);
  };
  const layer = (block: string, index: number, x: TensorRef, outChannels: number, withAttention: boolean, skip: TensorRef | null) => {
    const inputs = skip ? [x, skip, context] : [x, context];
    const h = spatial(inputs, (s) => {
      const joined = skip ? concat(b, [s[0]!, s[1]!], 1) : s[0]!;
      const ctx = s[s.length - 1]!;
      const r = resnetBlock(b, `${block}.resnets.${index}`, joined, outChannels, unet.normGroups, tembSilu);
      return withAttention ? spatialTransformer(b, `${block}.attentions.${index}`, r, ctx, unet.heads, unet.normGroups) : r;
    });
    return motion(`${block}.motion_modules.${index}`, h);
  };

  // Down path: collect skips; in shallow mode stop after the branch's down layer.
  let h = spatial([sample], ([s]) => conv2d(b, 'conv_in', s!, c0));
  const skips: Skip[] = [{ tensor: h, branch: -1 }];
  let branch = 0;
  const levels = unet.blockChannels.length;
  down: for (let level = 0; level < levels; level++) {
    const channels = unet.blockChannels[level]!;
    for (let j = 0; j < unet.layersPerBlock; j++) {
      h = layer(`down_blocks.${level}`, j, h, channels, unet.crossAttentionBlocks[level]!, null);
      skips.push({ tensor: h, branch });
      if (mode === 'shallow' && branch === options.cacheBranch) break down;
      branch += 1;
    }
    if (level < levels - 1) {
      h = spatial([h], ([s]) => conv2d(b, `down_blocks.${level}.downsamplers.0.conv`, s!, channels, { stride: 2, padding: 1 }));
      skips.push({ tensor: h, branch: null });
    }
  }

  if (mode !== 'shallow') {
    const top = unet.blockChannels[levels - 1]!;
    h = spatial([h, context], ([s, ctx]) => {
      const r = resnetBlock(b, 'mid_block.resnets.0', s!, top, unet.normGroups, tembSilu);
      return spatialTransformer(b, 'mid_block.attentions.0', r, ctx!, unet.heads, unet.normGroups);
    });
    h = motion('mid_block.motion_modules.0', h);
    h = spatial([h], ([s]) => resnetBlock(b, 'mid_block.resnets.1', s!, top, unet.normGroups, tembSilu));
  }

  // Up path: up layers consume the skips in reverse order; the cut sits where the branch's skip is consumed.
  // In shallow mode the skips deeper than the branch were never computed, and the layers consuming them are skipped.
  let cacheOut: TensorRef | null = null;
  let cutReached = mode !== 'shallow';
  const schedule = skipSchedule(preset);
  let position = schedule.length;
  for (let upIndex = 0; upIndex < levels; upIndex++) {
    const level = levels - 1 - upIndex;
    const channels = unet.blockChannels[level]!;
    for (let j = 0; j <= unet.layersPerBlock; j++) {
      position -= 1;
      const skipBranch = schedule[position]!;
      if (skipBranch === options.cacheBranch) {
        if (mode === 'shallow') {
          h = cacheIn!;
          cutReached = true;
        } else if (mode === 'full-with-cache') {
          cacheOut = h;
        }
      }
      if (!cutReached) continue;
      h = layer(`up_blocks.${upIndex}`, j, h, channels, unet.crossAttentionBlocks[level]!, skips[position]!.tensor);
    }
    if (upIndex < levels - 1 && cutReached) {
      h = spatial([h], ([s]) => conv2d(b, `up_blocks.${upIndex}.upsamplers.0.conv`, upsampleNearest2x(b, s!), channels));
    }
  }

  const noise = spatial([h], ([s]) => {
    const normed = silu(b, groupNorm(b, 'conv_norm_out', s!, unet.normGroups));
    return conv2d(b, 'conv_out', normed, preset.latentChannels);
  });
  b.output(noise, UNET_IO.noise);
  if (cacheOut) b.output(cacheOut, UNET_IO.cacheFeature);
  return b;
}
