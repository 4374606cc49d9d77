import { HarnessError } from '../harness-error.ts';
import type { ModelPreset } from './types.ts';

// Dimensions of the built-in AnimateDiff-shaped model family. `sd15` is AnimateDiff v1-5-2 on SD-1.5;
// the smaller presets keep its topology (4 down blocks, cross-attention in the first three, motion modules
// in every layer, 3-layer up blocks, SD-VAE decoder) with fewer channels. `small` scales the head count with the
// width (8 → 1) so that every head is as wide as SD-1.5's (40, 80, 160 channels): a head's width sets how much
// softmax and memory traffic each attention FLOP costs, and 5-wide heads would make attention a far larger share
// of the time than it is in the model `small` stands for.

const SD15: ModelPreset = {
  name: 'sd15',
  description: 'AnimateDiff v1-5-2 on SD-1.5 dimensions: 16 frames, 512×512 (64×64 latents), 77×768 context; for GPUs',
  frames: 16,
  latentHeight: 64,
  latentWidth: 64,
  latentChannels: 4,
  defaultSteps: 25,
  guidanceScale: 7.5,
  unet: {
    blockChannels: [320, 640, 1280, 1280],
    crossAttentionBlocks: [true, true, true, false],
    layersPerBlock: 2,
    heads: 8,
    motionHeads: 8,
    normGroups: 32,
    motionMaxFrames: 32,
  },
  text: { vocabSize: 49408, contextLength: 77, width: 768, layers: 12, heads: 12 },
  vae: { blockChannels: [128, 256, 512, 512], layersPerBlock: 2, normGroups: 32, scalingFactor: 0.18215 },
};

const SMALL: ModelPreset = {
  name: 'small',
  description: 'the default: SD-1.5 topology at 1/8 width with its head widths, 16 frames of 192×192; activations, not weights, set the peak',
  frames: 16,
  latentHeight: 24,
  latentWidth: 24,
  latentChannels: 4,
  defaultSteps: 8,
  guidanceScale: 7.5,
  unet: {
    blockChannels: [40, 80, 160, 160],
    crossAttentionBlocks: [true, true, true, false],
    layersPerBlock: 2,
    heads: 1,
    motionHeads: 1,
    normGroups: 8,
    motionMaxFrames: 32,
  },
  text: { vocabSize: 4096, contextLength: 77, width: 128, layers: 2, heads: 4 },
  vae: { blockChannels: [32, 64, 64, 64], layersPerBlock: 2, normGroups: 8, scalingFactor: 0.18215 },
};

const TINY: ModelPreset = {
  name: 'tiny',
  description: 'for tests: the same topology with 1 layer per block, 4 frames of 64×64; the whole pipeline in seconds',
  frames: 4,
  latentHeight: 8,
  latentWidth: 8,
  latentChannels: 4,
  defaultSteps: 4,
  guidanceScale: 7.5,
  unet: {
    blockChannels: [16, 32, 32, 32],
    crossAttentionBlocks: [true, true, true, false],
    layersPerBlock: 1,
    heads: 2,
    motionHeads: 2,
    normGroups: 8,
    motionMaxFrames: 32,
  },
  text: { vocabSize: 1000, contextLength: 16, width: 32, layers: 1, heads: 2 },
  vae: { blockChannels: [8, 16, 16, 16], layersPerBlock: 1, normGroups: 4, scalingFactor: 0.18215 },
};

export const PRESETS: Readonly<Record<string, ModelPreset>> = { tiny: TINY, small: SMALL, sd15: SD15 };
export const PRESET_NAMES = Object.keys(PRESETS);

export function getPreset(name: string): ModelPreset {
  const preset = PRESETS[name];
  if (!preset) {
    throw new HarnessError('unknown-preset', `unknown preset "${name}"; accepted: ${PRESET_NAMES.join(', ')} (or a model manifest file)`);
  }
  return preset;
}
