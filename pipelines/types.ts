import type { ChunkCounts, ModelPreset } from './models/types.ts';
import type { CacheScheduleOptions } from './deepcache-schedule.ts';
import type { FeatureCache } from './feature-cache.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import type { SchedulerConfig } from './schedulers/types.ts';

/** ONNX Runtime session settings that change time or memory; every result records them. */
export interface SessionSettings {
  cpuMemArena: boolean;
  memPattern: boolean;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** 0 lets ORT choose. */
  intraOpThreads: number;
  interOpThreads: number;
  /** Attention as one fused operator (ORT's MultiHeadAttention), as deployed; false keeps MatMul–Softmax–MatMul. */
  fuseAttention: boolean;
}

/** Pipeline stages; `total` spans pipeline start to frames out. */
export type StageName = 'load' | 'encode' | 'denoise' | 'decode' | 'total';
export const STAGES: readonly StageName[] = ['load', 'encode', 'denoise', 'decode', 'total'];

/** Execution providers a pipeline can run on (`auto` is resolved before a pipeline starts). */
export type ExecutionProviderName = 'cpu' | 'cuda' | 'webgpu';

/** What a variant changes, fully resolved: the pipeline reads nothing else. */
export interface VariantConfig {
  name: string;
  kind: 'baseline' | 'deepcache' | 'fme' | 'lightcache' | RuntimeCacheConfig['method'] | 'pab';
  /** DeepCache: a full UNet pass every `cacheInterval` steps; null when the variant caches nothing. */
  cache: { interval: number; branch: number; schedule: 'uniform' | 'non-uniform'; center: number; power: number } | null;
  /** FME feature chunking of the UNet graphs; null when off. */
  chunks: ChunkCounts | null;
  /** Diffusion transformers, when chunking: slices of the token axis (`chunks` then only says chunking is on); absent for UNets. */
  tokenChunks?: number;
  /** Decode this many frames at a time; null decodes all frames at once. */
  sliceFrames: number | null;
  /** Model offload (sessions live only during their stage) and cache offload to host memory. */
  swap: boolean;
  /** A cache that decides at run time, step by step, what to reuse; absent or null when the variant has none. */
  runtimeCache?: RuntimeCacheConfig | null;
  /** Pyramid Attention Broadcast: which attention outputs are reused at which steps; absent or null when off. */
  attentionBroadcast?: AttentionBroadcastConfig | null;
}

/**
 * Pyramid Attention Broadcast (diffusers' PyramidAttentionBroadcastConfig): an attention kind whose block skip
 * range is N computes at every N-th call of the transformer (its counter counts calls, not steps) and reuses its
 * last output between, while the step's timestep lies strictly inside its timestep skip range; outside the range,
 * and at the first call, it computes. null skip range: that kind always computes. `spatial` is each block's
 * self-attention, `cross` its attention over the text.
 */
export interface AttentionBroadcastConfig {
  spatialAttentionBlockSkipRange: number | null;
  spatialAttentionTimestepSkipRange: [number, number];
  crossAttentionBlockSkipRange: number | null;
  crossAttentionTimestepSkipRange: [number, number];
}

/** An attention kind Pyramid Attention Broadcast schedules on its own. */
export type AttentionKind = 'spatial' | 'cross';

/** One attention kind at one call: computed or broadcast, the call counter and whether the timestep lay inside the range. */
export interface AttentionDecision {
  kind: AttentionKind;
  computed: boolean;
  /** The kind's call counter before this call (diffusers' state.iteration). */
  iteration: number;
  inTimestepRange: boolean;
}

/** One transformer call of a step as Pyramid Attention Broadcast decides it. */
export interface BroadcastCall {
  call: CallDecision['call'];
  attention: AttentionDecision[];
}

/** One call of the source pipeline's transformer per step: which call it is and the rows of the guided batch it covers. */
export interface DitCall {
  call: CallDecision['call'];
  rows: readonly number[];
}

/** The graphs of Pyramid Attention Broadcast and the run's decisions, made before it starts. */
export interface AttentionBroadcastOptions {
  /** One graph per combination of reused kinds the schedule uses, by reuse key ('' computes every attention). */
  graphs: ReadonlyMap<string, ModelSession>;
  /** Each block's attention output tensors by kind. */
  outputs: Record<AttentionKind, string[]>;
  /** Per step, the source pipeline's calls in the order it makes them. */
  schedule: readonly BroadcastCall[][];
  /** Rows of the guided batch each call covers, in batch order (the order decisions are recorded in). */
  calls: readonly DitCall[];
  noisePrediction: string;
}

/**
 * A run-time cache and its parameter: `first-block-cache` reuses the remaining blocks while the first block's
 * residual changes by at most `threshold` (relative L1); `teacache` skips the block stack while the accumulated
 * rescaled change of the timestep embedding stays under `threshold`.
 */
export interface RuntimeCacheConfig {
  method: 'first-block-cache' | 'teacache' | 'mag-cache';
  threshold: number;
  /** mag-cache only: its further parameters and the magnitude ratios it decides from. */
  magCache?: MagCacheParameters;
}

/**
 * MagCache's parameters (diffusers' MagCacheConfig): at most `maxSkipSteps` consecutive reused steps, no reuse in
 * the first `retentionRatio` of the steps, and the magnitude ratio of each step's residual to the previous one's.
 */
export interface MagCacheParameters {
  maxSkipSteps: number;
  retentionRatio: number;
  /** Per step (interpolated to the step count when the length differs); null until calibrated before the timed runs. */
  ratios: number[] | null;
  /** `manifest`: denoiser.magCache.ratios; `calibrated`: measured on an uncached pass of the same model and inputs. */
  ratiosSource: 'manifest' | 'calibrated';
  /** Calibration pass: every step computes and each call's decision records its measured ratio. */
  calibrate?: boolean;
}

/** Decides per transformer call, from one output of the head graph, whether the cached blocks run at a step. */
export interface CallDecider {
  /** The head output the decision reads ([batch, ...]; each call gets its rows); null when it decides from the step alone. */
  readonly input: string | null;
  readonly threshold: number;
  decide(call: number, step: number, measured: Float32Array): Omit<CallDecision, 'call'>;
  /** Reads the residual a computing call's blocks returned (its rows, `width` values per token); what it returns joins the call's decision. */
  afterCompute?(call: number, step: number, residual: Float32Array, width: number): Partial<Omit<CallDecision, 'call'>>;
  /** Bytes of what the decider keeps between steps. */
  bytes(): number;
  clear(): void;
}

/** One transformer call's decision at a step: whether the remaining blocks ran, and the measured change (null when nothing was computed before). */
export interface CallDecision {
  /** Which rows of the guided batch the call covers: the source pipeline's separate calls, or its one batched call. */
  call: 'negative' | 'prompt' | 'batch';
  computed: boolean;
  change: number | null;
  /** TeaCache: the accumulated rescaled change compared with the threshold; MagCache: the accumulated error; absent on steps it always computes. */
  accumulated?: number;
  /** Pyramid Attention Broadcast: each scheduled attention kind at this call (computed is then true when none was reused). */
  attention?: AttentionDecision[];
  /** MagCache: the product of the magnitude ratios since the call last computed. */
  accumulatedRatio?: number;
  /** MagCache: steps counted since the call last computed, this one included (compared with maxSkipSteps). */
  skipSteps?: number;
}

/** What a run-time cache decided at one step and the threshold it decided against. */
export interface StepDecision {
  method: RuntimeCacheConfig['method'] | 'pab';
  /** Absent for pab, which decides from the timestep and call counters. */
  threshold?: number;
  calls: CallDecision[];
}

/** One pipeline run's inputs. */
export interface PipelineRequest {
  preset: ModelPreset;
  frames: number;
  steps: number;
  seed: number;
  prompt: string;
  negativePrompt: string;
  guidanceScale: number;
  scheduler: SchedulerConfig;
  variant: VariantConfig;
  session: SessionSettings;
  executionProvider: ExecutionProviderName;
  /** Where built models are cached. */
  modelDir: string;
  /** Profiling pass: ORT trace files are written with this prefix. */
  profilePrefix?: string;
}

/** One scheduler step as measured. */
export interface StepRecord {
  index: number;
  timestep: number;
  /** `full`: the whole denoiser ran (with a run-time cache: the remaining blocks ran for some call); `cached`: cached work stood in. */
  kind: 'full' | 'cached';
  ms: number;
  /** Run-time caches only: what was computed or reused, and the change that decided it. */
  decision?: StepDecision;
}

/** A step's noise prediction as a step plan made it, with what ran. */
export interface StepPrediction {
  prediction: OrtTensor;
  kind: StepRecord['kind'];
  decision?: StepDecision;
}

/**
 * How the denoising loop gets each step's noise prediction from the step's feeds: which graphs run, and what is
 * kept between steps. A fixed schedule (DeepCache) and a decision measured between graph pieces are both plans.
 */
export interface StepPlan {
  predict(index: number, feeds: Record<string, OrtTensor>): Promise<StepPrediction>;
  /** After step `index`: the moment to bring a cached feature back ahead of the next step. */
  afterStep(index: number): void;
  /** Frees what the plan kept between steps. */
  end(): void;
  /** Where kept tensors lived and how big they got. */
  report(): CacheReport;
}

/** One itemised model or cache move, counted in the stage it serves. */
export interface SwapRecord {
  stage: StageName;
  what: string;
  ms: number;
}

/** Progress and measurement events, emitted synchronously as they happen. */
export type PipelineEvent =
  | { type: 'stage-start'; stage: StageName }
  | { type: 'stage-end'; stage: StageName; ms: number }
  | { type: 'step'; step: StepRecord; of: number }
  | { type: 'swap'; swap: SwapRecord };

/** Where cached features lived and how big they got. */
export interface CacheReport {
  peakBytes: number;
  location: 'none' | 'host' | 'device';
  note?: string;
}

/** Which attention form a variant's graphs ran: fused operators and unfused (MatMul–Softmax–MatMul) patterns counted in them. */
export interface AttentionReport {
  /** The session's `fuseAttention`. */
  requested: boolean;
  form: 'fused' | 'unfused' | 'partly-fused';
  /** MultiHeadAttention nodes in the variant's denoiser graphs. */
  fusedNodes: number;
  /** Softmax nodes left in them: attention computed from primitives. */
  unfusedNodes: number;
  note?: string;
}

/** A finished run: frames [frames, 3, H, W] in [0, 1] and its measurements. */
export interface PipelineOutput {
  frames: Float32Array;
  frameShape: [number, number, number, number];
  stagesMs: Record<StageName, number>;
  steps: StepRecord[];
  swaps: SwapRecord[];
  cache: CacheReport;
  /** Floating-point operations each stage performed (convolutions and matrix products). */
  flops: Partial<Record<StageName, number>>;
  /** ORT trace files of a profiling pass, by the stage their session served. */
  profileFiles: { stage: StageName; file: string }[];
}

/** The project's one random source (seeded-random.ts): a seeded stream of uniform and Gaussian numbers. */
export interface SeededRandom {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1), a multiple of 2^-32. */
  nextFloat(): number;
  /** Standard normal draw. */
  nextGaussian(): number;
}

/** Inputs a parity check fixes instead of drawing them from the seed and prompt (each optional). */
export interface UserPipelineInputs {
  /** Token ids of the prompt and of the negative prompt, each padded to the encoder's context length. */
  tokenIds?: { prompt: readonly number[]; negative: readonly number[] };
  /** Diffusion transformers: the attention masks of those token ids (1 over the prompt, 0 over padding). */
  attentionMasks?: { prompt: readonly number[]; negative: readonly number[] };
  /** Unit Gaussian latents in the UNet's sample layout, batch 1 (scaled by the scheduler's initial sigma). */
  initialNoise?: Float32Array;
  /** Image-to-video: the conditioning image, planar [3, H, W] in [0, 1]. */
  image?: Float32Array;
  /** Image-to-video: the unit Gaussian added (× noiseAugStrength) to the image in [-1, 1]. */
  noiseAugmentation?: Float32Array;
}

/** One pipeline run of a user's exported model, described by its manifest, instead of a built-in preset. */
export interface UserPipelineRequest extends Omit<PipelineRequest, 'preset'> {
  userModel: import('./models/types.ts').UserModelSource | import('./models/types.ts').UserDitSource;
  /** Image-to-video: a PNG conditioning image (else one drawn from the seed). */
  imagePath?: string;
  inputs?: UserPipelineInputs;
}

/** A run of either kind of model. */
export type AnyPipelineRequest = PipelineRequest | UserPipelineRequest;

/** The graphs and cache of a step plan on a fixed schedule. */
export interface ScheduledCacheOptions {
  /** Steps of the run (the schedule's length). */
  steps: number;
  /** DeepCache's schedule; null runs the full graph every step. */
  cacheSchedule: CacheScheduleOptions | null;
  full: ModelSession;
  /** The shallow graph cached steps run; null when every step is full. */
  shallow: ModelSession | null;
  cache: FeatureCache | null;
  /** Name of the cut feature: an output of the full graph, an input of the shallow one. */
  cacheFeature: string;
  noisePrediction: string;
}

/** The graphs of a run-time cache, what decides, and the transformer calls it decides for. */
export interface RuntimeCacheOptions {
  method: RuntimeCacheConfig['method'];
  /** The transformer up to the cached blocks, also returning the tensor the decision reads (`decider.input`). */
  head: ModelSession;
  /** The rest of the transformer, also returning the residual of the cached blocks (`cache_feature`). */
  rest: ModelSession;
  /** The rest with `cache_feature` added in place of the cached blocks. */
  cachedRest: ModelSession;
  decider: CallDecider;
  /** Rows of the batch each call of the source pipeline covers: one entry per call, each deciding on its own. */
  calls: { call: CallDecision['call']; rows: readonly number[] }[];
  noisePrediction: string;
}
