import { HarnessError } from './harness-error.ts';
import type { ChunkCounts, ModelPreset } from './models/types.ts';
import { unetBranchCount } from './models/unet.ts';
import type { VariantConfig } from './types.ts';

/** The named variants a suite or `--variants` may list. */
export const VARIANT_NAMES = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice', 'first-block-cache'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

/** Variants that decide at run time from tensors between pieces of a diffusion transformer. */
export const RUNTIME_CACHE_VARIANTS: readonly VariantName[] = ['first-block-cache'];

/** The variants that run on U-Net models (every variant but the run-time caches). */
export const UNET_VARIANT_NAMES: readonly VariantName[] = VARIANT_NAMES.filter((name) => !RUNTIME_CACHE_VARIANTS.includes(name));

/** Parameter overrides a suite or the CLI may give; anything left out takes the defaults below. */
export interface VariantOverrides {
  cacheInterval?: number;
  cacheBranch?: number;
  schedule?: 'uniform' | 'non-uniform';
  center?: number;
  power?: number;
  chunks?: ChunkCounts;
  sliceFrames?: number;
  /** Run-time caches: the change under which cached work is reused. */
  threshold?: number;
}

/** Defaults of the LightCache runs on AnimateDiff: interval 2, branch 0, 9 chunks over batch×frames, 2 over space, 1-frame decode. */
export const VARIANT_DEFAULTS = { cacheInterval: 2, cacheBranch: 0, schedule: 'uniform', power: 1.4, chunks: { batchFrames: 9, spatial: 2 }, sliceFrames: 1 } as const;

/** diffusers' FirstBlockCacheConfig default threshold. */
export const FIRST_BLOCK_CACHE_THRESHOLD = 0.05;

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
  /** True when the model can be cut after its first block (diffusion-transformer manifests): run-time caches run on it. */
  runtimeCaches?: boolean;
}

/** A built-in preset as a variant target: every branch of its UNet, decoders built for any slice size. */
export function presetTarget(preset: ModelPreset): VariantTarget {
  return { name: preset.name, cacheBranches: Array.from({ length: unetBranchCount(preset) }, (_, i) => i), fixedDecodeFrames: null };
}

/** Resolves a named variant with overrides into exactly what the pipeline will do. */
export function resolveVariant(name: string, overrides: VariantOverrides, target: VariantTarget, frames: number, steps: number): VariantConfig {
  if (!isVariantName(name)) {
    throw new HarnessError('unknown-variant', `unknown variant "${name}"; accepted: ${VARIANT_NAMES.join(', ')}`);
  }
  const branch = overrides.cacheBranch ?? VARIANT_DEFAULTS.cacheBranch;
  if (RUNTIME_CACHE_VARIANTS.includes(name)) return runtimeCacheVariant(name, overrides, target);
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
  let sliceFrames = positiveInteger('sliceFrames', overrides.sliceFrames ?? VARIANT_DEFAULTS.sliceFrames, frames);
  // A decoder exported for a fixed number of frames (SVD's temporal decoder) decodes exactly that many per call.
  if (target.fixedDecodeFrames !== null) {
    if (overrides.sliceFrames !== undefined && overrides.sliceFrames !== target.fixedDecodeFrames) {
      throw new HarnessError('bad-variant-parameter', `sliceFrames ${overrides.sliceFrames}: the VAE decoder of model ${target.name} decodes exactly ${target.fixedDecodeFrames} frames per call (vaeDecoder.framesPerCall); accepted: ${target.fixedDecodeFrames}`);
    }
    sliceFrames = target.fixedDecodeFrames;
  }
  const lightcache = (swap: boolean, chunk: boolean, slice: boolean): VariantConfig => ({
    name,
    kind: 'lightcache',
    cache,
    chunks: chunk ? chunks : null,
    sliceFrames: slice ? sliceFrames : null,
    swap,
  });
  switch (name) {
    case 'baseline':
      return { name, kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false };
    case 'deepcache':
      return { name, kind: 'deepcache', cache, chunks: null, sliceFrames: null, swap: false };
    case 'fme':
      return { name, kind: 'fme', cache: null, chunks, sliceFrames: null, swap: false };
    case 'lightcache':
      return lightcache(true, true, true);
    case 'lightcache-swap':
      return lightcache(true, false, false);
    case 'lightcache-chunk':
      return lightcache(false, true, false);
    case 'lightcache-slice':
      return lightcache(false, false, true);
    case 'first-block-cache':
      return runtimeCacheVariant(name, overrides, target);
  }
}

function runtimeCacheVariant(name: VariantName, overrides: VariantOverrides, target: VariantTarget): VariantConfig {
  if (!target.runtimeCaches) {
    throw new HarnessError('bad-variant-parameter', `${name} runs on diffusion-transformer model manifests (kind "text-to-video-dit") with at least two blocks; model ${target.name} is not one`);
  }
  const threshold = overrides.threshold ?? FIRST_BLOCK_CACHE_THRESHOLD;
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new HarnessError('bad-variant-parameter', `threshold must be a number ≥ 0 (a relative L1 change; diffusers' default ${FIRST_BLOCK_CACHE_THRESHOLD}), got ${threshold}`);
  }
  return { name, kind: 'first-block-cache', cache: null, chunks: null, sliceFrames: null, swap: false, runtimeCache: { method: 'first-block-cache', threshold } };
}
