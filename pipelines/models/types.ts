/** UNet dimensions: SD-1.5 topology, AnimateDiff motion modules in every down, mid and up layer. */
export interface UnetDimensions {
  blockChannels: number[];
  crossAttentionBlocks: boolean[];
  layersPerBlock: number;
  heads: number;
  motionHeads: number;
  normGroups: number;
  motionMaxFrames: number;
}

/** CLIP-style text encoder dimensions. */
export interface TextEncoderDimensions {
  vocabSize: number;
  contextLength: number;
  width: number;
  layers: number;
  heads: number;
}

/** SD-VAE decoder dimensions (`blockChannels` in encoder order, as diffusers configures it). */
export interface VaeDimensions {
  blockChannels: number[];
  layersPerBlock: number;
  normGroups: number;
  scalingFactor: number;
}

/** A built-in model size: everything needed to build its three graphs. */
export interface ModelPreset {
  name: string;
  description: string;
  frames: number;
  latentHeight: number;
  latentWidth: number;
  latentChannels: number;
  defaultSteps: number;
  guidanceScale: number;
  unet: UnetDimensions;
  text: TextEncoderDimensions;
  vae: VaeDimensions;
}

/** Which UNet graph to emit: the plain one, the full one that also outputs DeepCache's feature, or the shallow one that takes it. */
export type UnetGraphMode = 'full' | 'full-with-cache' | 'shallow';

/** Chunk counts of FME-style feature chunking: spatial layers over batch×frames, temporal layers over rows. */
export interface ChunkCounts {
  batchFrames: number;
  spatial: number;
}

/** Everything that shapes a UNet graph besides the preset. */
export interface UnetGraphOptions {
  mode: UnetGraphMode;
  cacheBranch: number;
  chunks: ChunkCounts | null;
  frames: number;
  /** Videos per UNet call: 2 with classifier-free guidance (uncond + cond). */
  videos: number;
}

/** Tensor names of the UNet graphs. */
export const UNET_IO = {
  sample: 'sample',
  timestep: 'timestep',
  context: 'encoder_hidden_states',
  cacheFeature: 'cache_feature',
  noise: 'noise_pred',
} as const;

/** Tensor names of the text encoder and VAE decoder graphs. */
export const TEXT_IO = { ids: 'input_ids', hidden: 'last_hidden_state' } as const;
export const VAE_IO = { latents: 'latents', frames: 'frames' } as const;
