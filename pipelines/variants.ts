import { HarnessError } from './harness-error.ts';
import type { ChunkCounts, ModelPreset } from './models/types.ts';
import { unetBranchCount } from './models/unet.ts';
import type { VariantConfig } from './types.ts';

/** The named variants a suite or `--variants` may list. */
export const VARIANT_NAMES = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

/** Parameter overrides a suite or the CLI may give; anything left out takes the defaults below. */
export interface VariantOverrides {
  cacheInterval?: number;
  cacheBranch?: number;
  schedule?: 'uniform' | 'non-uniform';
  center?: number;
  power?: number;
  chunks?: ChunkCounts;
  sliceFrames?: number;
}

/** Defaults of the LightCache runs on AnimateDiff: interval 2, branch 0, 9 chunks over batch×frames, 2 over space, 1-frame decode. */
export const VARIANT_DEFAULTS = { cacheInterval: 2, cacheBranch: 0, schedule: 'uniform', power: 1.4, chunks: { batchFrames: 9, spatial: 2 }, sliceFrames: 1 } as const;

function positiveInteger(name: string, value: number, max?: number): number {
  if (!Number.isInteger(value) || value < 1 || (max !== undefined && value > max)) {
    throw new HarnessError('bad-variant-parameter', `${name} must be an integer from 1${max !== undefined ? ` to ${max}` : ''}, got ${value}`);
  }
  return value;
}

export function isVariantName(name: string): name is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(name);
}

/** Resolves a named variant with overrides into exactly what the pipeline will do. */
export function resolveVariant(name: string, overrides: VariantOverrides, preset: ModelPreset, frames: number, steps: number): VariantConfig {
  if (!isVariantName(name)) {
    throw new HarnessError('unknown-variant', `unknown variant "${name}"; accepted: ${VARIANT_NAMES.join(', ')}`);
  }
  const branches = unetBranchCount(preset);
  const branch = overrides.cacheBranch ?? VARIANT_DEFAULTS.cacheBranch;
  if (!Number.isInteger(branch) || branch < 0 || branch >= branches) {
    throw new HarnessError('bad-variant-parameter', `cacheBranch must be an integer from 0 to ${branches - 1} for preset ${preset.name}, got ${branch}`);
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
  const sliceFrames = positiveInteger('sliceFrames', overrides.sliceFrames ?? VARIANT_DEFAULTS.sliceFrames, frames);
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
  }
}
