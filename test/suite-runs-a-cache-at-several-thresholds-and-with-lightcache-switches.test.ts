import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { overridesFromOptions } from '../harness/command-run.ts';
import { BUILTIN_SUITES, loadUserModels, parseSuite, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const wanPath = join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json');
const wan = await loadDitManifest(wanPath);
const planWan = (variants: unknown[]) => planSuite(parseSuite({ models: [wanPath], variants }, 'suite.yaml'), {}, new Map([[wanPath, wan]]));

describe('suite entries of run-time caches', () => {
  it('run one cache under names of their own at several thresholds, recording each name, kind and threshold', () => {
    const planned = planWan([
      { name: 'fbc-0.2', variant: 'first-block-cache', threshold: 0.2 },
      'first-block-cache',
      { name: 'fbc-0.1', variant: 'first-block-cache', threshold: 0.1 },
      { name: 'plain', variant: 'baseline' },
    ]);
    // An entry that runs the baseline goes first whatever its name.
    expect(planned.suite.variants).toEqual([
      { name: 'plain', kind: 'baseline' },
      { name: 'fbc-0.2', kind: 'first-block-cache', threshold: 0.2 },
      { name: 'first-block-cache', kind: 'first-block-cache', threshold: 0.05 },
      { name: 'fbc-0.1', kind: 'first-block-cache', threshold: 0.1 },
    ]);
    expect(planned.pairs.map((p) => p.variant.name)).toEqual(['plain', 'fbc-0.2', 'first-block-cache', 'fbc-0.1']);
  });

  it('turn on swap, chunk and slice, recorded as the lightcache variants record them', () => {
    const planned = planWan(['baseline', { name: 'teacache+lightcache', variant: 'teacache', swap: true, chunk: true, slice: true, tokenChunks: 3 }, { name: 'fbc-swap', variant: 'first-block-cache', swap: true }]);
    const [, switched, swapped] = planned.pairs;
    expect(switched!.variant).toMatchObject({ kind: 'teacache', swap: true, tokenChunks: 3, sliceFrames: 1, runtimeCache: { method: 'teacache', threshold: 0.08 } });
    expect(switched!.spec).toEqual({ name: 'teacache+lightcache', kind: 'teacache', tokenChunks: 3, sliceFrames: 1, swap: true, chunk: true, slice: true, threshold: 0.08 });
    expect(swapped!.spec).toEqual({ name: 'fbc-swap', kind: 'first-block-cache', swap: true, chunk: false, slice: false, threshold: 0.05 });
    expect(swapped!.variant).toMatchObject({ chunks: null, sliceFrames: null });
  });

  it('refuse a name used twice, an unknown name without variant, and switches on variants that set them by name', () => {
    expect(() => planWan([{ name: 'fbc', variant: 'first-block-cache' }, { name: 'fbc', variant: 'teacache' }])).toThrow(/variant "fbc" is listed twice/);
    expect(() => parseSuite({ variants: [{ name: 'fbc-0.1', threshold: 0.1 }] }, 'suite.yaml')).toThrow(/variants\[0\]\.name: unknown variant "fbc-0\.1"; accepted: .*a name of your own with variant: <one of those>/);
    expect(() => planWan([{ name: 'deepcache', swap: true }])).toThrow(/swap: variant deepcache takes no LightCache switches; .*first-block-cache, teacache/);
    expect(() => planSuite({ models: ['tiny'], variants: [{ name: 'first-block-cache', chunk: true }] })).toThrow(/first-block-cache runs on diffusion-transformer model manifests/);
  });

  it('take the switches on the command line as +swap, +chunk, +slice or +lightcache after a run-time cache', () => {
    const overrides = overridesFromOptions({ variants: 'baseline,first-block-cache+lightcache,teacache+swap+slice' });
    expect(overrides.variants).toEqual([
      'baseline',
      { name: 'first-block-cache+lightcache', variant: 'first-block-cache', swap: true, chunk: true, slice: true },
      { name: 'teacache+swap+slice', variant: 'teacache', swap: true, slice: true },
    ]);
    expect(() => overridesFromOptions({ variants: 'deepcache+swap' })).toThrow(/--variants "deepcache\+swap": only DiT caches \(first-block-cache, teacache, mag-cache, pab\) take LightCache's switches/);
    expect(() => overridesFromOptions({ variants: 'teacache+fast' })).toThrow(/"\+fast" is not a switch; accepted: \+swap, \+chunk, \+slice, \+lightcache/);
  });
});

describe('the built-in dit-caches suite', () => {
  it('plans on dit-small: the schedule caches, each run-time cache at three thresholds, pab at two settings, and the run-time caches with all switches', async () => {
    const file: SuiteFile = BUILTIN_SUITES['dit-caches']!;
    const planned = planSuite(file, {}, await loadUserModels(file, {}, join(tmpdir(), 'lightbench-test-models')));
    expect(planned.suite.models).toEqual(['dit-small']);
    const byKind = (kind: string) => planned.suite.variants.filter((v) => v.kind === kind);
    expect(byKind('first-block-cache').map((v) => v.threshold)).toEqual([0.05, 0.7, 1, 0.05]);
    expect(byKind('teacache').map((v) => v.threshold)).toEqual([0.08, 1500, 3000, 0.08]);
    expect(byKind('mag-cache').map((v) => v.threshold)).toEqual([0.06, 0.02, 0.2, 0.06]);
    expect(byKind('pab').map((v) => [v.spatialAttentionBlockSkipRange, v.crossAttentionBlockSkipRange, v.swap ?? false, v.slice ?? false])).toEqual([[2, null, false, false], [3, 2, false, false], [2, null, true, true]]);
    expect(planned.suite.variants.filter((v) => v.swap && v.chunk && v.slice && v.threshold !== undefined).map((v) => v.name)).toEqual(['first-block-cache+lightcache', 'teacache+lightcache', 'mag-cache+lightcache']);
    expect(planned.suite.variants.map((v) => v.kind).slice(0, 3)).toEqual(['baseline', 'deepcache', 'lightcache']);
    expect([planned.suite.warmup, planned.suite.repeats, planned.suite.steps]).toEqual([1, 1, 8]);
  }, 120_000);
});
