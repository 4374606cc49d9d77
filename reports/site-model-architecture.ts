import type { ModelArchitecture, RunResult, VariantSpec } from '../harness/results-schema.ts';
import type { SiteModelArchitecture } from './types.ts';

/** What `spec` did on a diffusion transformer of `blocks` blocks, in words; null for the baseline. */
export function ditVariantMeaning(spec: VariantSpec, blocks: number): string | null {
  const parts: string[] = [];
  if (spec.kind === 'deepcache' || spec.kind === 'lightcache') {
    const branch = spec.cacheBranch ?? 0;
    const interval = spec.cacheInterval ?? 1;
    const span = branch === 0 ? `all ${blocks} blocks` : `blocks ${branch}–${blocks - branch - 1}`;
    parts.push(
      interval > 1
        ? `block cache: a full step every ${interval} steps records the residual of ${span}; the steps between run ${branch === 0 ? 'only the embedding and output layers' : `the first ${branch} and last ${branch} blocks`} and add it`
        : `block cache at interval 1: every step is full (equal to the baseline)`,
    );
  }
  if (spec.kind === 'pab') {
    const kind = (name: string, every: number | null | undefined, range: [number, number] | undefined) =>
      every ? `${name} attention computed at ${every === 1 ? 'every transformer call' : `one transformer call in ${every}`} inside timesteps (${range?.join(', ') ?? '?'}), each block's last output broadcast between` : `${name} attention always computed`;
    parts.push(`pyramid attention broadcast: ${kind('spatial', spec.spatialAttentionBlockSkipRange, spec.spatialAttentionTimestepSkipRange)}; ${kind('cross', spec.crossAttentionBlockSkipRange, spec.crossAttentionTimestepSkipRange)}`);
  }
  if (spec.threshold !== undefined) parts.push(`${spec.kind} at threshold ${spec.threshold}: each step decides from the run whether the blocks run or their kept residual stands in`);
  if (spec.kind === 'fme' || spec.chunk === true) parts.push(`chunking over tokens: attention query rows and feed-forward rows run in ${spec.tokenChunks ?? 'several'} slices`);
  if (spec.swap === true) parts.push('swap: each stage loads its models and releases them at its end; the cached residual waits in host memory');
  if (spec.slice === true) parts.push(`slice: the causal VAE decodes ${spec.sliceFrames ?? 1} latent frame${(spec.sliceFrames ?? 1) === 1 ? '' : 's'} per call, its causal cache carried between calls`);
  return parts.length ? parts.join('; ') : null;
}

/** What `spec` did on a U-Net, in words; null for the baseline. */
function unetVariantMeaning(spec: VariantSpec): string | null {
  const parts: string[] = [];
  if (spec.kind === 'deepcache' || spec.kind === 'lightcache') {
    parts.push(`DeepCache: a full UNet pass every ${spec.cacheInterval ?? 1} steps, the up-path feature of skip branch ${spec.cacheBranch ?? 0} reused between them`);
  }
  if (spec.kind === 'fme' || spec.chunk === true) parts.push(`FME chunking: spatial layers over ${spec.chunks?.batchFrames ?? '?'} slices of batch×frames, temporal layers over ${spec.chunks?.spatial ?? '?'} slices of space`);
  if (spec.swap === true) parts.push('swap: models offloaded between stages, the cached feature kept in host memory');
  if (spec.slice === true) parts.push(`slice: the VAE decodes ${spec.sliceFrames ?? 1} frame${(spec.sliceFrames ?? 1) === 1 ? '' : 's'} per call`);
  return parts.length ? parts.join('; ') : null;
}

/**
 * A model's denoiser family and what each of the run's variants did to it; null for results written before the
 * family was recorded.
 */
export function siteModelArchitecture(run: RunResult, model: string): SiteModelArchitecture | null {
  const architecture: ModelArchitecture | undefined = run.suite.modelArchitectures?.[model];
  if (!architecture) return null;
  const dit = architecture.family === 'dit';
  const variants = run.variants.filter((v) => v.model === model).map((v) => v.variant);
  return {
    family: dit ? 'diffusion transformer' : 'U-Net',
    blocks: architecture.blocks ?? null,
    description: architecture.description,
    variants: variants.flatMap((spec) => {
      const meaning = dit ? ditVariantMeaning(spec, architecture.blocks ?? 1) : unetVariantMeaning(spec);
      return meaning ? [{ variant: spec.name, meaning }] : [];
    }),
  };
}
