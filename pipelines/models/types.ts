import type { AttentionForm } from '../onnx/types.ts';

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
  /** Fused MultiHeadAttention or primitives; fused when absent. */
  attention?: AttentionForm;
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

/** Wan-2.1 transformer dimensions (diffusers' WanTransformer3DModel config). */
export interface DitDimensions {
  /** Hidden width: heads × headDim. */
  heads: number;
  headDim: number;
  ffnDim: number;
  layers: number;
  /** Width of the text encoder's hidden states the text embedder reads. */
  textDim: number;
  /** Width of the sinusoidal timestep projection. */
  freqDim: number;
  /** Patch size over (frames, height, width). */
  patch: [number, number, number];
  eps: number;
  /** RoPE table length per axis (diffusers' rope_max_seq_len). */
  ropeMaxSeqLen: number;
}

/** A built-in diffusion-transformer model size: the transformer and the latent video and text it is built for. */
export interface DitPreset {
  name: string;
  description: string;
  /** Latent frames (Wan's VAE: 1 + (pixel frames − 1) / 4). */
  frames: number;
  latentHeight: number;
  latentWidth: number;
  latentChannels: number;
  defaultSteps: number;
  guidanceScale: number;
  /** Text tokens the transformer receives (Wan: UMT5's 512), each `transformer.textDim` wide. */
  textTokens: number;
  transformer: DitDimensions;
  /** The built-in UMT5-like text encoder; its states are `transformer.textDim` wide. */
  text: DitTextEncoderDimensions;
  /** The built-in Wan-style causal 3D VAE decoder. */
  vae: DitVaeDimensions;
}

/** A UMT5-like text encoder: token embedding, bidirectional pre-norm layers with gated-GELU feed-forward, final norm. */
export interface DitTextEncoderDimensions {
  vocabSize: number;
  layers: number;
  heads: number;
  ffnDim: number;
}

/**
 * A Wan-style causal 3D VAE decoder: `channels[0]` after conv_in and in the mid block, `channels[i + 1]` after the
 * i-th of three ×2 spatial upsamplings (the first two also ×2 in time, for every latent frame but the first).
 */
export interface DitVaeDimensions {
  channels: [number, number, number, number];
  eps: number;
}

/** Which causal VAE graph to emit: every latent frame in one call, or one frame per call with its causal cache. */
export type DitVaeGraphMode = 'whole-video' | 'first-frame' | 'next-frame';

/** Tensor names of the built-in DiT text encoder and causal VAE graphs. */
export const DIT_TEXT_IO = { ids: 'input_ids', mask: 'attention_mask', hidden: 'last_hidden_state' } as const;
export const DIT_VAE_IO = { latents: 'latent_sample', frame: 'latent_frame', sample: 'sample', cacheIn: 'cache_in_', cacheOut: 'cache_out_' } as const;

/** A DiT preset's graphs as materialised in the model cache (manifest and every file it names), for one attention form. */
export interface DitPresetGraphs {
  manifestPath: string;
  textEncoder: string;
  transformer: string;
  vaeDecoder: string;
  firstFrame: string;
  nextFrame: string;
}

/**
 * Which transformer graph to emit: the whole model; the whole model also outputting the residual of the middle
 * blocks; or one of the three pieces that chain into it (head: patch and condition embeddings and the first
 * blocks; middle: the middle blocks; tail: the last blocks, output norm, projection and unpatchify).
 */
export type DitGraphMode = 'full' | 'full-with-residual' | 'head' | 'middle' | 'tail';

/** Everything that shapes a transformer graph besides the preset. */
export interface DitGraphOptions {
  mode: DitGraphMode;
  /** Blocks in the head (`Fn`) and in the tail (`Bn`); the middle is blocks [Fn, layers − Bn). */
  firstBlocks: number;
  lastBlocks: number;
  /** Videos per call: 2 with classifier-free guidance (uncond + cond). */
  videos: number;
  /** Fused MultiHeadAttention or primitives; fused when absent. */
  attention?: AttentionForm;
}

/**
 * Tensor names of the transformer graphs. Between pieces travel the token states and what every block reads:
 * the projected text, the 6-way modulation and the time embedding (the output norm's modulation).
 */
export const DIT_IO = {
  sample: 'hidden_states',
  timestep: 'timestep',
  context: 'encoder_hidden_states',
  noise: 'noise_pred',
  /** Token states after the head's blocks: the middle's input. */
  headTokens: 'head_tokens',
  /** Token states after the middle blocks: the tail's input (head tokens + residual on a cached step). */
  middleTokens: 'middle_tokens',
  /** The patch embedding: the tokens entering the first block (what first-block caches compare against). */
  patchTokens: 'patch_tokens',
  textTokens: 'text_tokens',
  modulation: 'timestep_proj',
  timeEmbedding: 'temb',
  /** Middle blocks' output minus their input. */
  residual: 'block_residual',
} as const;

// User models: a manifest (JSON or YAML) describes a pipeline of the user's ONNX files; see model-manifest.ts.

/** Sample layout of a video UNet: [batch, channels, frames, h, w] (diffusers' UNetMotionModel) or [batch, frames, channels, h, w] (SVD's UNetSpatioTemporalConditionModel). */
export type SampleLayout = 'BCFHW' | 'BFCHW';

/** Batch of the UNet's encoder_hidden_states: one row per video (SVD repeats it inside) or one per frame (AnimateDiff's pipeline repeats it). */
export type ContextBatch = 'per-video' | 'per-frame';

/** One ONNX file of a manifest: its path (relative to the manifest) and its tensor names by role. */
export interface ManifestComponent<Inputs extends string, Outputs extends string> {
  file: string;
  inputs: Record<Inputs, string>;
  outputs: Record<Outputs, string>;
}

/** A DeepCache cut point: the tensor that is the up-path feature entering the up layer paired with down layer `branch`. */
export interface ManifestCutPoint {
  branch: number;
  tensor: string;
}

/** The manifest's UNet: roles sample, timestep, encoderHiddenStates (and addedTimeIds for image-to-video), noisePred. */
export interface ManifestUnet extends ManifestComponent<'sample' | 'timestep' | 'encoderHiddenStates', 'noisePred'> {
  inputs: { sample: string; timestep: string; encoderHiddenStates: string; addedTimeIds?: string };
  sampleLayout: SampleLayout;
  contextBatch: ContextBatch;
  deepCache?: { cutPoints: ManifestCutPoint[] };
}

/** The manifest's VAE decoder; `framesPerCall` is fixed by graphs with a static batch (SVD's temporal decoder), null when dynamic. */
export interface ManifestVaeDecoder extends ManifestComponent<'latents', 'sample'> {
  framesPerCall?: number | null;
}

/** Latent video dimensions and the VAE's scaling factor (latents are divided by it before decoding). */
export interface ManifestLatent {
  channels: number;
  height: number;
  width: number;
  frames: number;
  scalingFactor: number;
}

/** What both manifest kinds share. */
export interface ModelManifestBase {
  manifestVersion: 1;
  name: string;
  description?: string;
  unet: ManifestUnet;
  vaeDecoder: ManifestVaeDecoder;
  latent: ManifestLatent;
  /** lightbench's scheduler config (parseSchedulerConfig). */
  scheduler: import('../schedulers/types.ts').SchedulerConfig;
  /** The diffusers scheduler the model was made for, as exported; informational where lightbench's scheduler differs. */
  sourceScheduler?: { className: string; config: Record<string, unknown> };
  guidanceScale: number;
  defaultSteps?: number;
}

/** A text-to-video manifest (AnimateDiff): text encoder input_ids → hidden states. */
export interface TextToVideoManifest extends ModelManifestBase {
  kind: 'text-to-video';
  textEncoder: ManifestComponent<'inputIds', 'hiddenStates'> & { vocabSize?: number; tokenizer?: string };
}

/** An image-to-video manifest (Stable Video Diffusion): image encoder, VAE encoder and per-frame guidance. */
export interface ImageToVideoManifest extends ModelManifestBase {
  kind: 'image-to-video';
  imageEncoder: ManifestComponent<'pixelValues', 'imageEmbeds'>;
  vaeEncoder: ManifestComponent<'sample', 'latents'>;
  /** Guidance grows linearly over frames from guidanceScale to this (SVD); absent means constant. */
  maxGuidanceScale?: number;
  /** SVD's micro-conditioning: added_time_ids = [fps − 1, motionBucketId, noiseAugStrength], as diffusers computes them. */
  conditioning: { fps: number; motionBucketId: number; noiseAugStrength: number };
}

/** A manifest of a UNet pipeline (what `run --model` runs today). */
export type UnetModelManifest = TextToVideoManifest | ImageToVideoManifest;

/** A model manifest file's contents. */
export type ModelManifest = UnetModelManifest | DitTextToVideoManifest;

/** A stream of tokens a DiT block carries: the patchified latents, and in MM-DiT blocks the text tokens too. */
export type DitStream = 'image' | 'text';

/** The tensors between a DiT's transformer blocks, per stream (a block may hand on no text: the last MM-DiT block's goes unread). */
export interface ManifestDitBlocks {
  count: number;
  streams: DitStream[];
  /** The stream tensors entering the first block. */
  input: Partial<Record<DitStream, string>>;
  /** Per block, the stream tensors it hands on. */
  outputs: Partial<Record<DitStream, string>>[];
}

/** How a DiT denoiser turns latents into tokens and conditions its blocks. */
export interface ManifestDitArchitecture {
  /** [frames, height, width] of one latent patch (one token). */
  patchSize: [number, number, number];
  /** Rotary position embedding over (frame, row, column), computed inside the graph from the sample's shape. */
  rotaryEmbedding: '3d';
  /** Shift/scale/gate of every block from the timestep embedding (adaLN). */
  timestepModulation: 'per-block';
  /** `cross-attention`: text states enter every block unchanged (Wan); `joint-attention`: text tokens are a stream (MM-DiT, EasyAnimate). */
  textConditioning: 'cross-attention' | 'joint-attention';
  blocks: ManifestDitBlocks;
}

/** The DiT denoiser: latents [batch, channels, frames, h, w] and a timestep per batch row → flow (velocity) prediction. */
export interface ManifestDitDenoiser extends ManifestComponent<'sample' | 'timestep' | 'encoderHiddenStates', 'noisePred'> {
  kind: 'dit';
  architecture: ManifestDitArchitecture;
  /** How the source pipeline runs guidance: two calls (prompt, negative prompt) or one batch of [negative; prompt]; the graph's batch holds both either way. */
  guidanceCalls: 'separate' | 'batched';
  /** TeaCache on this transformer; absent when the manifest gives none. */
  teaCache?: ManifestTeaCache;
  /** MagCache's magnitude ratios on this transformer; absent when mag-cache calibrates them. */
  magCache?: ManifestMagCache;
}

/** MagCache's magnitude ratios on a transformer (diffusers' mag_ratios), as calibrated or published. */
export interface ManifestMagCache {
  /** Per step: the block stack's residual norm over the previous step's (the first is 1); interpolated to the step count. */
  ratios: number[];
  ratiosSource?: string;
}

/** TeaCache's measure on a transformer: the timestep embedding whose change it accumulates, and the polynomial that rescales that change. */
export interface ManifestTeaCache {
  /** The tensor TeaCache measures ([batch, width]): the timestep embedding every block's modulation is made from. */
  modulatedInput: string;
  /** Highest power first (numpy.poly1d order). */
  coefficients: number[];
  coefficientsSource?: string;
}

/** A causal VAE decoder split into per-latent-frame calls that carry its causal-conv cache, as diffusers' Wan VAE decodes. */
export interface ManifestCausalFrames {
  /** Video frames per latent frame after the first (which decodes to one). */
  temporalCompression: number;
  /** Per cache slot (aligned with nextFrame.cacheInputs), the output that starts it; null: the slot starts as zeros. */
  firstFrame: ManifestComponent<'latents', 'sample'> & { cacheOutputs: (string | null)[] };
  nextFrame: ManifestComponent<'latents', 'sample'> & { cacheInputs: string[]; cacheOutputs: string[] };
}

/** Latent dimensions of a DiT pipeline and how latents are scaled before decoding: divided by `scalingFactor`, or per channel ·std + mean. */
export interface ManifestDitLatent {
  channels: number;
  height: number;
  width: number;
  frames: number;
  scalingFactor?: number;
  channelMean?: number[];
  channelStd?: number[];
}

/** A text-to-video diffusion-transformer manifest (Wan, EasyAnimate). */
export interface DitTextToVideoManifest {
  manifestVersion: 1;
  name: string;
  description?: string;
  kind: 'text-to-video-dit';
  textEncoder: ManifestComponent<'inputIds' | 'attentionMask', 'hiddenStates'> & {
    vocabSize: number;
    maxSequenceLength: number;
    /** `zero`: states past the prompt's tokens are set to zero before the denoiser (Wan); `kept`: passed as computed (EasyAnimate). */
    statesPastPrompt: 'zero' | 'kept';
  };
  denoiser: ManifestDitDenoiser;
  vaeDecoder: ManifestVaeDecoder & { causalFrames?: ManifestCausalFrames };
  latent: ManifestDitLatent;
  /** The video the latents decode to. */
  video: { frames: number; height: number; width: number };
  scheduler: import('../schedulers/types.ts').SchedulerConfig;
  sourceScheduler?: { className: string; config: Record<string, unknown> };
  guidanceScale: number;
  defaultSteps?: number;
}

/** A tensor of a user model as its file states it: name, element type, shape (numbers, symbolic names, or null for unknown). */
export interface UserModelTensor {
  name: string;
  elementType: string;
  shape: (number | string | null)[] | null;
}

/** One validated ONNX file of a user model: absolute path, tensors by role, and the files it needs. */
export interface UserModelComponent<Inputs extends string, Outputs extends string> {
  path: string;
  inputs: Record<Inputs, UserModelTensor>;
  outputs: Record<Outputs, UserModelTensor>;
  /** External data files, relative to the model's folder. */
  externalData: string[];
  irVersion: number;
  opset: number | null;
}

/** A DeepCache cut point checked against the UNet graph, with the feature's shape where the graph states it. */
export interface UserModelCutPoint {
  branch: number;
  tensor: UserModelTensor;
}

/** The validated UNet of a user model. */
export interface UserModelUnet extends UserModelComponent<'sample' | 'timestep' | 'encoderHiddenStates', 'noisePred'> {
  inputs: Record<'sample' | 'timestep' | 'encoderHiddenStates', UserModelTensor> & { addedTimeIds?: UserModelTensor };
  sampleLayout: SampleLayout;
  contextBatch: ContextBatch;
  cutPoints: UserModelCutPoint[];
}

/** What both kinds of validated user model share: everything a pipeline needs to run the files. */
export interface UserModelSourceBase {
  manifestPath: string;
  name: string;
  description: string | null;
  unet: UserModelUnet;
  vaeDecoder: UserModelComponent<'latents', 'sample'> & { framesPerCall: number | null };
  latent: ManifestLatent;
  scheduler: import('../schedulers/types.ts').SchedulerConfig;
  sourceScheduler: { className: string; config: Record<string, unknown> } | null;
  guidanceScale: number;
  defaultSteps: number | null;
}

/** A validated text-to-video user model. */
export interface UserTextToVideoSource extends UserModelSourceBase {
  kind: 'text-to-video';
  /** `tokenizer`: the tokenizer.json prompts go through; without it a word hash whose begin (vocabSize − 2) and end (vocabSize − 1) tokens sit as CLIP's do. */
  textEncoder: UserModelComponent<'inputIds', 'hiddenStates'> & { vocabSize: number; tokenizer: string | null };
}

/** A validated image-to-video user model. */
export interface UserImageToVideoSource extends UserModelSourceBase {
  kind: 'image-to-video';
  imageEncoder: UserModelComponent<'pixelValues', 'imageEmbeds'>;
  vaeEncoder: UserModelComponent<'sample', 'latents'>;
  maxGuidanceScale: number | null;
  conditioning: { fps: number; motionBucketId: number; noiseAugStrength: number };
}

/** A user model as loadModelManifest returns it, files and tensor names checked against the graphs. */
export type UserModelSource = UserTextToVideoSource | UserImageToVideoSource;

/** The validated per-frame causal decoder of a DiT user model. */
export interface UserCausalFrames {
  temporalCompression: number;
  /** Per cache slot, the first frame's output that starts it; null: the slot starts as zeros. */
  firstFrame: UserModelComponent<'latents', 'sample'> & { cacheOutputs: (UserModelTensor | null)[] };
  nextFrame: UserModelComponent<'latents', 'sample'> & { cacheInputs: UserModelTensor[]; cacheOutputs: UserModelTensor[] };
}

/** A validated text-to-video DiT user model: files, tensor names, block boundaries and shapes checked against the graphs. */
export interface UserDitSource {
  manifestPath: string;
  name: string;
  description: string | null;
  kind: 'text-to-video-dit';
  textEncoder: UserModelComponent<'inputIds' | 'attentionMask', 'hiddenStates'> & { vocabSize: number; maxSequenceLength: number; statesPastPrompt: 'zero' | 'kept' };
  denoiser: UserModelComponent<'sample' | 'timestep' | 'encoderHiddenStates', 'noisePred'> & {
    architecture: ManifestDitArchitecture;
    guidanceCalls: 'separate' | 'batched';
    /** TeaCache's measure on this transformer; null when the manifest gives none. */
    teaCache: ManifestTeaCache | null;
    /** MagCache's ratios from the manifest; null when mag-cache calibrates them. */
    magCache: ManifestMagCache | null;
    /** Tokens per stream: latent patches, and text positions. */
    tokens: { image: number; text: number };
  };
  vaeDecoder: UserModelComponent<'latents', 'sample'> & { framesPerCall: number | null; causalFrames: UserCausalFrames | null };
  latent: ManifestDitLatent;
  video: { frames: number; height: number; width: number };
  scheduler: import('../schedulers/types.ts').SchedulerConfig;
  sourceScheduler: { className: string; config: Record<string, unknown> } | null;
  guidanceScale: number;
  defaultSteps: number | null;
  /** A built-in DiT preset materialised as this manifest: the preset (at the run's frames) and the attention form its graphs were built with. */
  builtFrom?: { preset: DitPreset; attention: import('../onnx/types.ts').AttentionForm };
}
