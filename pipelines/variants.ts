import { HarnessError } from './harness-error.ts';
import type { ChunkCounts, ModelPreset } from './models/types.ts';
import { unetBranchCount } from './models/unet.ts';
import type { AttentionBroadcastConfig, MagCacheParameters, RuntimeCacheConfig, VariantConfig } from './types.ts';

/** The named variants a suite or `--variants` may list. */
export const VARIANT_NAMES = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice', 'first-block-cache', 'teacache', 'mag-cache', 'pab'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

/** Variants that decide at run time from tensors between pieces of a diffusion transformer. */
export const RUNTIME_CACHE_VARIANTS: readonly VariantName[] = ['first-block-cache', 'teacache', 'mag-cache'];

/** The DiT caches that take LightCache's switches (swap, chunk, slice) as parameters; pab takes swap and slice. */
export const SWITCHABLE_CACHE_VARIANTS: readonly VariantName[] = [...RUNTIME_CACHE_VARIANTS, 'pab'];

/** The variants that run on U-Net models (every variant but the run-time caches and pab). */
export const UNET_VARIANT_NAMES: readonly VariantName[] = VARIANT_NAMES.filter((name) => !RUNTIME_CACHE_VARIANTS.includes(name) && name !== 'pab');

/** Parameter overrides a suite or the CLI may give; anything left out takes the defaults below. */
export interface VariantOverrides {
  cacheInterval?: number;
  cacheBranch?: number;
  schedule?: 'uniform' | 'non-uniform';
  center?: number;
  power?: number;
  chunks?: ChunkCounts;
  tokenChunks?: number;
  sliceFrames?: number;
  /** Run-time caches: the change under which cached work is reused. */
  threshold?: number;
  /** pab: diffusers' PyramidAttentionBroadcastConfig parameters (null block skip range: that kind always computes). */
  spatialAttentionBlockSkipRange?: number | null;
  spatialAttentionTimestepSkipRange?: [number, number];
  crossAttentionBlockSkipRange?: number | null;
  crossAttentionTimestepSkipRange?: [number, number];
  /** mag-cache: the most consecutive steps counted towards a reuse. */
  maxSkipSteps?: number;
  /** mag-cache: the fraction of the first steps that always compute. */
  retentionRatio?: number;
  /** Run-time caches with LightCache's switches: model and cache offload, token chunking, causal per-frame decode. */
  swap?: boolean;
  chunk?: boolean;
  slice?: boolean;
}

/** The LightCache switches a run-time cache variant may turn on (the lightcache-* variants set them by name). */
export const LIGHTCACHE_SWITCHES = ['swap', 'chunk', 'slice'] as const;

/**
 * pab's defaults, diffusers' PyramidAttentionBroadcastConfig: timestep skip ranges (100, 800); with no block skip
 * range given, spatial attention every 2nd call (diffusers' fallback), cross-attention always computed.
 */
export const PAB_DEFAULTS: AttentionBroadcastConfig = { spatialAttentionBlockSkipRange: 2, spatialAttentionTimestepSkipRange: [100, 800], crossAttentionBlockSkipRange: null, crossAttentionTimestepSkipRange: [100, 800] };

/** Largest block skip range and timestep bound pab accepts. */
export const PAB_LIMITS = { blockSkipRange: 1000, timestep: 1_000_000 } as const;

/**
 * Defaults of the LightCache runs on AnimateDiff: interval 2, branch 0, 9 chunks over batch×frames, 2 over space,
 * 1-frame decode; diffusion transformers: 4 slices of the token axis (fewer when a model has fewer tokens).
 */
export const VARIANT_DEFAULTS = { cacheInterval: 2, cacheBranch: 0, schedule: 'uniform', power: 1.4, chunks: { batchFrames: 9, spatial: 2 }, tokenChunks: 4, sliceFrames: 1 } as const;

/**
 * Default thresholds: diffusers' FirstBlockCacheConfig default, TeaCache4Wan2.1's faster documented setting
 * for Wan 2.1 T2V 1.3B (about 2× there), and diffusers' MagCacheConfig default.
 */
export const RUNTIME_CACHE_THRESHOLDS: Readonly<Record<RuntimeCacheConfig['method'], number>> = { 'first-block-cache': 0.05, teacache: 0.08, 'mag-cache': 0.06 };

/** diffusers' MagCacheConfig defaults besides its threshold. */
export const MAG_CACHE_DEFAULTS = { maxSkipSteps: 3, retentionRatio: 0.2 } as const;

function positiveInteger(name: string, value: number, max?: number): number {
  if (!Number.isInteger(value) || value < 1 || (max !== undefined && value > max)) {
    throw new HarnessError('bad-variant-parameter', `${name} must be an integer from 1${max !== undefined ? ` to ${max}` : ''}, got ${value}`);
  }
  return value;
}

export function isVariantName(name: string): name is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(name);
}

/** What a variant is resolved against: the model's name, the branches it can cache, and its decoder's frames per call. */
export interface VariantTarget {
  name: string;
  cacheBranches: readonly number[];
  /** Frames one decoder call must take when the model fixes it; null when any slice size works. */
  fixedDecodeFrames: number | null;
  /** Diffusion transformers: image tokens per transformer call, which bound the token chunk count; absent for UNets. */
  tokens?: number;
  /** What fixes them, as refusals name it; vaeDecoder.framesPerCall when absent. */
  fixedDecodeSource?: string;
  /** The run-time caches the model can run (diffusion-transformer manifests: first-block-cache, and teacache where the manifest gives its measure). */
  runtimeCaches?: readonly RuntimeCacheConfig['method'][];
  /** mag-cache: the manifest's magnitude ratios (denoiser.magCache.ratios); absent when they are calibrated. */
  magRatios?: readonly number[];
}

/** A built-in preset as a variant target: every branch of its UNet, decoders built for any slice size. */
export function presetTarget(preset: ModelPreset): VariantTarget {
  return { name: preset.name, cacheBranches: Array.from({ length: unetBranchCount(preset) }, (_, i) => i), fixedDecodeFrames: null };
}

/** Variants that chunk features (FME's chunking, alone or within LightCache). */
function chunk(name: VariantName): boolean {
  return name === 'fme' || name === 'lightcache' || name === 'lightcache-chunk';
}

/** A transformer's token chunk count, checked against its tokens; a UNet takes none (its chunking is `chunks`). */
function resolveTokenChunks(requested: number | undefined, target: VariantTarget): number | undefined {
  if (target.tokens === undefined) {
    if (requested === undefined) return undefined;
    throw new HarnessError('bad-variant-parameter', `tokenChunks ${requested}: model ${target.name} is a UNet; token chunking applies to diffusion transformers (a UNet's chunk counts are set by chunks, e.g. "9x2")`);
  }
  const value = requested ?? Math.min(VARIANT_DEFAULTS.tokenChunks, target.tokens);
  if (!Number.isInteger(value) || value < 2 || value > target.tokens) {
    throw new HarnessError('bad-variant-parameter', `tokenChunks ${value}: model ${target.name} has ${target.tokens} image tokens per transformer call; accepted: an integer from 2 to ${target.tokens} (slices of the token axis)`);
  }
  return value;
}

/** Resolves a named variant with overrides into exactly what the pipeline will do. */
export function resolveVariant(name: string, overrides: VariantOverrides, target: VariantTarget, frames: number, steps: number): VariantConfig {
  if (!isVariantName(name)) {
    throw new HarnessError('unknown-variant', `unknown variant "${name}"; accepted: ${VARIANT_NAMES.join(', ')}`);
  }
  const branch = overrides.cacheBranch ?? VARIANT_DEFAULTS.cacheBranch;
  if (RUNTIME_CACHE_VARIANTS.includes(name)) return withLightCacheSwitches(runtimeCacheVariant(name, overrides, target), overrides, target, frames);
  if (name === 'pab') {
    // Its graphs trade attention outputs between calls; token-chunking them is not built.
    if (overrides.chunk === true) throw new HarnessError('bad-variant-parameter', `chunk: pab takes swap and slice but not chunk (its computing and broadcast graphs are not chunked over tokens); accepted for chunk: ${RUNTIME_CACHE_VARIANTS.join(', ')}`);
    return withLightCacheSwitches(attentionBroadcastVariant(overrides, target), overrides, target, frames);
  }
  const switched = LIGHTCACHE_SWITCHES.filter((key) => overrides[key] !== undefined);
  if (switched.length) {
    throw new HarnessError('bad-variant-parameter', `${switched.join(', ')}: variant ${name} takes no LightCache switches; they turn swap, chunk and slice on for the DiT caches (${SWITCHABLE_CACHE_VARIANTS.join(', ')}), while lightcache, lightcache-swap, lightcache-chunk and lightcache-slice set them by name`);
  }
  const caches = name !== 'baseline' && name !== 'fme';
  if (caches && !target.cacheBranches.includes(branch)) {
    const accepted = target.cacheBranches.length ? `one of ${target.cacheBranches.join(', ')}` : 'none: the model lists no DeepCache cut points (unet.deepCache.cutPoints)';
    throw new HarnessError('bad-variant-parameter', `cacheBranch ${branch} cannot be cached for model ${target.name}; accepted: ${accepted}`);
  }
  const schedule = overrides.schedule ?? VARIANT_DEFAULTS.schedule;
  if (schedule !== 'uniform' && schedule !== 'non-uniform') {
    throw new HarnessError('bad-variant-parameter', `schedule must be uniform or non-uniform, got ${String(schedule)}`);
  }
  const cache = {
    interval: positiveInteger('cacheInterval', overrides.cacheInterval ?? VARIANT_DEFAULTS.cacheInterval),
    branch,
    schedule,
    // DeepCache centres its dense region at step 15 of 50; the same fraction of the run here.
    center: overrides.center ?? Math.round(0.3 * steps),
    power: overrides.power ?? VARIANT_DEFAULTS.power,
  } as const;
  const requestedChunks = overrides.chunks ?? VARIANT_DEFAULTS.chunks;
  const chunks = {
    batchFrames: positiveInteger('chunks (batch×frames)', requestedChunks.batchFrames),
    spatial: positiveInteger('chunks (spatial)', requestedChunks.spatial),
  };
  const tokenChunks = chunk(name) ? resolveTokenChunks(overrides.tokenChunks, target) : undefined;
  let sliceFrames = positiveInteger('sliceFrames', overrides.sliceFrames ?? VARIANT_DEFAULTS.sliceFrames, frames);
  // A decoder exported for a fixed number of frames (SVD's temporal decoder) decodes exactly that many per call.
  if (target.fixedDecodeFrames !== null) {
    if (overrides.sliceFrames !== undefined && overrides.sliceFrames !== target.fixedDecodeFrames) {
      throw new HarnessError('bad-variant-parameter', `sliceFrames ${overrides.sliceFrames}: the VAE decoder of model ${target.name} decodes exactly ${target.fixedDecodeFrames} frames per call (${target.fixedDecodeSource ?? 'vaeDecoder.framesPerCall'}); accepted: ${target.fixedDecodeFrames}`);
    }
    sliceFrames = target.fixedDecodeFrames;
  }
  const tokens = tokenChunks === undefined ? {} : { tokenChunks };
  const lightcache = (swap: boolean, chunked: boolean, slice: boolean): VariantConfig => ({
    name,
    kind: 'lightcache',
    cache,
    chunks: chunked ? chunks : null,
    ...(chunked ? tokens : {}),
    sliceFrames: slice ? sliceFrames : null,
    swap,
  });
  switch (name) {
    case 'baseline':
      return { name, kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false };
    case 'deepcache':
      return { name, kind: 'deepcache', cache, chunks: null, sliceFrames: null, swap: false };
    case 'fme':
      return { name, kind: 'fme', cache: null, chunks, ...tokens, sliceFrames: null, swap: false };
    case 'lightcache':
      return lightcache(true, true, true);
    case 'lightcache-swap':
      return lightcache(true, false, false);
    case 'lightcache-chunk':
      return lightcache(false, true, false);
    case 'lightcache-slice':
      return lightcache(false, false, true);
    case 'first-block-cache':
    case 'teacache':
    case 'mag-cache':
      return runtimeCacheVariant(name, overrides, target);
  }
}

function runtimeCacheVariant(name: VariantName, overrides: VariantOverrides, target: VariantTarget): VariantConfig {
  const method = name as RuntimeCacheConfig['method'];
  if (!target.runtimeCaches?.includes(method)) {
    const needs = method === 'teacache' ? ' that give denoiser.teaCache (the timestep embedding it measures and its rescaling coefficients)' : ' with at least two blocks';
    throw new HarnessError('bad-variant-parameter', `${name} runs on diffusion-transformer model manifests (kind "text-to-video-dit")${needs}; model ${target.name} is not one`);
  }
  const threshold = overrides.threshold ?? RUNTIME_CACHE_THRESHOLDS[method];
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new HarnessError('bad-variant-parameter', `threshold must be a number ≥ 0 (default for ${name}: ${RUNTIME_CACHE_THRESHOLDS[method]}), got ${threshold}`);
  }
  const magCache = method === 'mag-cache' ? { magCache: magCacheParameters(overrides, target) } : {};
  return { name, kind: method, cache: null, chunks: null, sliceFrames: null, swap: false, runtimeCache: { method, threshold, ...magCache } };
}

function magCacheParameters(overrides: VariantOverrides, target: VariantTarget): MagCacheParameters {
  const maxSkipSteps = overrides.maxSkipSteps ?? MAG_CACHE_DEFAULTS.maxSkipSteps;
  if (!Number.isInteger(maxSkipSteps) || maxSkipSteps < 0) {
    throw new HarnessError('bad-variant-parameter', `maxSkipSteps must be an integer ≥ 0 (consecutive steps mag-cache may reuse; default ${MAG_CACHE_DEFAULTS.maxSkipSteps}), got ${maxSkipSteps}`);
  }
  const retentionRatio = overrides.retentionRatio ?? MAG_CACHE_DEFAULTS.retentionRatio;
  if (!Number.isFinite(retentionRatio) || retentionRatio < 0 || retentionRatio > 1) {
    throw new HarnessError('bad-variant-parameter', `retentionRatio must be a number from 0 to 1 (the fraction of the first steps mag-cache always computes; default ${MAG_CACHE_DEFAULTS.retentionRatio}), got ${retentionRatio}`);
  }
  return target.magRatios ? { maxSkipSteps, retentionRatio, ratios: [...target.magRatios], ratiosSource: 'manifest' } : { maxSkipSteps, retentionRatio, ratios: null, ratiosSource: 'calibrated' };
}

function attentionBroadcastVariant(overrides: VariantOverrides, target: VariantTarget): VariantConfig {
  if (target.tokens === undefined) {
    throw new HarnessError('bad-variant-parameter', `pab runs on diffusion transformers (built-in DiT presets, manifests of kind "text-to-video-dit"); model ${target.name} is a UNet`);
  }
  const given = overrides.spatialAttentionBlockSkipRange !== undefined || overrides.crossAttentionBlockSkipRange !== undefined;
  const skip = (name: string, value: number | null | undefined, fallback: number | null): number | null => {
    const v = value === undefined ? fallback : value;
    if (v !== null && (!Number.isInteger(v) || v < 1 || v > PAB_LIMITS.blockSkipRange)) {
      throw new HarnessError('bad-variant-parameter', `${name} must be an integer from 1 to ${PAB_LIMITS.blockSkipRange} (compute at every N-th transformer call, reuse between; 1 never reuses) or null (always compute), got ${v}`);
    }
    return v;
  };
  const range = (name: string, value: [number, number] | undefined, fallback: [number, number]): [number, number] => {
    const v = value ?? fallback;
    if (!Array.isArray(v) || v.length !== 2 || !v.every((t) => Number.isFinite(t) && t >= 0 && t <= PAB_LIMITS.timestep) || v[0] > v[1]) {
      throw new HarnessError('bad-variant-parameter', `${name} must be two timesteps [low, high] with 0 ≤ low ≤ high ≤ ${PAB_LIMITS.timestep} (attention may be reused while low < timestep < high; default [${fallback.join(', ')}]), got ${JSON.stringify(v)}`);
    }
    return [v[0], v[1]];
  };
  const attentionBroadcast: AttentionBroadcastConfig = {
    // diffusers falls back to spatial attention every 2nd call when no block skip range is given.
    spatialAttentionBlockSkipRange: skip('spatialAttentionBlockSkipRange', overrides.spatialAttentionBlockSkipRange, given ? null : PAB_DEFAULTS.spatialAttentionBlockSkipRange),
    spatialAttentionTimestepSkipRange: range('spatialAttentionTimestepSkipRange', overrides.spatialAttentionTimestepSkipRange, PAB_DEFAULTS.spatialAttentionTimestepSkipRange),
    crossAttentionBlockSkipRange: skip('crossAttentionBlockSkipRange', overrides.crossAttentionBlockSkipRange, PAB_DEFAULTS.crossAttentionBlockSkipRange),
    crossAttentionTimestepSkipRange: range('crossAttentionTimestepSkipRange', overrides.crossAttentionTimestepSkipRange, PAB_DEFAULTS.crossAttentionTimestepSkipRange),
  };
  if (attentionBroadcast.spatialAttentionBlockSkipRange === null && attentionBroadcast.crossAttentionBlockSkipRange === null) {
    throw new HarnessError('bad-variant-parameter', 'pab: spatialAttentionBlockSkipRange and crossAttentionBlockSkipRange are both null; give at least one an integer from 1');
  }
  return { name: 'pab', kind: 'pab', cache: null, chunks: null, sliceFrames: null, swap: false, attentionBroadcast };
}

/**
 * A run-time cache with LightCache's switches on: `swap` loads each stage's models for the stage only, `chunk`
 * slices the token axis of the transformer graphs it runs, `slice` decodes through the causal per-frame graphs.
 * None changes what the cache decides or the frames it makes.
 */
function withLightCacheSwitches(config: VariantConfig, overrides: VariantOverrides, target: VariantTarget, frames: number): VariantConfig {
  const out = { ...config, swap: overrides.swap === true };
  if (overrides.chunk === true) {
    if (target.tokens === undefined) throw new HarnessError('bad-variant-parameter', `chunk: variant ${config.name} runs on diffusion transformers, which chunk over tokens; model ${target.name} is a UNet`);
    const tokenChunks = resolveTokenChunks(overrides.tokenChunks, target)!;
    // On a transformer `chunks` only says chunking is on; the token count is what the graphs are cut by.
    Object.assign(out, { chunks: { ...VARIANT_DEFAULTS.chunks }, tokenChunks });
  }
  if (overrides.slice === true) {
    const requested = overrides.sliceFrames;
    if (target.fixedDecodeFrames !== null && requested !== undefined && requested !== target.fixedDecodeFrames) {
      throw new HarnessError('bad-variant-parameter', `sliceFrames ${requested}: the VAE decoder of model ${target.name} decodes exactly ${target.fixedDecodeFrames} frames per call (${target.fixedDecodeSource ?? 'vaeDecoder.framesPerCall'}); accepted: ${target.fixedDecodeFrames}`);
    }
    out.sliceFrames = target.fixedDecodeFrames ?? positiveInteger('sliceFrames', requested ?? VARIANT_DEFAULTS.sliceFrames, frames);
  }
  return out;
}
