import { HarnessError } from '../harness-error.ts';
import type { DitPreset } from './types.ts';

// Dimensions of the built-in diffusion-transformer family. `wan-1.3b` is the published Wan 2.1 T2V 1.3B transformer
// at its default 480×832, 81 frames (21 latent frames of 60×104 after Wan's 4× temporal, 8× spatial VAE); the
// smaller presets keep its topology with fewer, narrower blocks.

const WAN_1_3B: DitPreset = {
  name: 'wan-1.3b',
  description: 'Wan 2.1 T2V 1.3B transformer: 30 blocks of 1536 (12 heads × 128), 81 frames of 480×832 (21×60×104 latents), 512×4096 text; for GPUs',
  frames: 21,
  latentHeight: 60,
  latentWidth: 104,
  latentChannels: 16,
  defaultSteps: 50,
  guidanceScale: 5,
  textTokens: 512,
  transformer: { heads: 12, headDim: 128, ffnDim: 8960, layers: 30, textDim: 4096, freqDim: 256, patch: [1, 2, 2], eps: 1e-6, ropeMaxSeqLen: 1024 },
  // UMT5-XXL's width and heads with two layers and a small vocabulary: the transformer is what this preset measures.
  text: { vocabSize: 4096, layers: 2, heads: 64, ffnDim: 4096 },
  vae: { channels: [256, 128, 64, 64], eps: 1e-6 },
};

const DIT_SMALL: DitPreset = {
  name: 'dit-small',
  description: 'CPU-sized: the same topology with 8 blocks of 128 (4 heads × 32), 33 frames of 256×256 (9×32×32 latents, 2304 tokens); activations, not weights, set the peak',
  frames: 9,
  latentHeight: 32,
  latentWidth: 32,
  latentChannels: 16,
  defaultSteps: 8,
  guidanceScale: 5,
  textTokens: 64,
  transformer: { heads: 4, headDim: 32, ffnDim: 512, layers: 8, textDim: 128, freqDim: 64, patch: [1, 2, 2], eps: 1e-6, ropeMaxSeqLen: 1024 },
  text: { vocabSize: 4096, layers: 2, heads: 4, ffnDim: 256 },
  vae: { channels: [64, 64, 32, 32], eps: 1e-6 },
};

const DIT_TINY: DitPreset = {
  name: 'dit-tiny',
  description: 'for tests: the same topology with 4 blocks of 32 (2 heads × 16), 9 frames of 64×64 (3×8×8 latents, 48 tokens); a call in milliseconds',
  frames: 3,
  latentHeight: 8,
  latentWidth: 8,
  latentChannels: 16,
  defaultSteps: 4,
  guidanceScale: 5,
  textTokens: 8,
  transformer: { heads: 2, headDim: 16, ffnDim: 64, layers: 4, textDim: 24, freqDim: 16, patch: [1, 2, 2], eps: 1e-6, ropeMaxSeqLen: 1024 },
  text: { vocabSize: 1000, layers: 2, heads: 2, ffnDim: 48 },
  vae: { channels: [16, 16, 8, 8], eps: 1e-6 },
};

/**
 * TeaCache's rescaling polynomial for Wan 2.1 T2V 1.3B as TeaCache4Wan2.1 publishes it (highest power first,
 * without retention steps). The built-in presets share Wan's topology, so their manifests carry it; on random
 * weights it rescales a change as it would on the published model, which is what a threshold sweep needs.
 */
export const WAN_2_1_T2V_1_3B_TEACACHE = {
  coefficients: [2.39676752e3, -1.31110545e3, 2.01331979e2, -8.29855975, 1.37887774e-1],
  coefficientsSource: 'TeaCache4Wan2.1 (ali-vilab/TeaCache), Wan2.1 T2V 1.3B, without retention steps',
} as const;

export const DIT_PRESETS: Readonly<Record<string, DitPreset>> = { 'dit-tiny': DIT_TINY, 'dit-small': DIT_SMALL, 'wan-1.3b': WAN_1_3B };
export const DIT_PRESET_NAMES = Object.keys(DIT_PRESETS);

export function getDitPreset(name: string): DitPreset {
  const preset = DIT_PRESETS[name];
  if (!preset) throw new HarnessError('unknown-preset', `unknown diffusion-transformer preset "${name}"; accepted: ${DIT_PRESET_NAMES.join(', ')}`);
  return preset;
}
