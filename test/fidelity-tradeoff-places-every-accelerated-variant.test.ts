import { describe, expect, it } from 'vitest';
import { fidelityTradeoff, methodOf } from '../reports/site-fidelity-tradeoff.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

describe('the speed-up against fidelity points of a model', () => {
  const run = makeExampleRun({ includeError: false });
  const model = run.suite.models[0]!;
  const points = fidelityTradeoff(run, model);
  const result = (name: string) => run.variants.find((v) => v.model === model && v.variant.name === name && v.status === 'ok')!;

  it('places every accelerated variant but not the baseline', () => {
    expect(points.map((p) => p.variant).sort()).toEqual(run.variants.filter((v) => v.model === model && v.variant.name !== 'baseline').map((v) => v.variant.name).sort());
  });

  it('measures each speed-up against the baseline, stage by stage', () => {
    const base = result('baseline');
    const deepcache = result('deepcache');
    if (base.status !== 'ok' || deepcache.status !== 'ok') throw new Error('example run lacks ok results');
    const point = points.find((p) => p.variant === 'deepcache')!;
    expect(point.denoiseSpeedup).toBeCloseTo(base.stages.denoise.medianMs / deepcache.stages.denoise.medianMs, 12);
    expect(point.totalSpeedup).toBeCloseTo(base.stages.total.medianMs / deepcache.stages.total.medianMs, 12);
    expect(point.fidelity?.psnrDb).toBe(deepcache.fidelity?.psnrDb);
  });

  it('groups a run-time cache threshold sweep by its kind and keeps each fixed variant apart', () => {
    expect(methodOf('first-block-cache-0.1', 'first-block-cache')).toBe('first-block-cache');
    expect(methodOf('lightcache-swap', 'lightcache')).toBe('lightcache-swap');
    // A run-time cache with LightCache's switches is a curve of its own, apart from the plain cache's sweep.
    expect(methodOf('fbc+lightcache', 'first-block-cache', { swap: true, chunk: true, slice: true })).toBe('first-block-cache with swap, chunk, slice');
    expect(methodOf('fbc-swap', 'first-block-cache', { swap: true, chunk: false, slice: false })).toBe('first-block-cache with swap');
    expect(new Set(points.map((p) => p.method)).size).toBe(points.length);
  });
});
