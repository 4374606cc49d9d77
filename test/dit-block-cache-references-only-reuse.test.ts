import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

interface BlockCacheRun {
  stepKinds: string[];
  maxAbsDifferenceFromBaseline: number;
  cachedBlocks?: [number, number];
}

// The recorded block-cache runs are what a DiT block cache is checked against, so they must be block caches:
// full steps every other step index, output changed by reuse, and no change when every step is full.
for (const fixture of ['wan-tiny', 'easyanimate-tiny']) {
  describe(`${fixture}: the recorded block-cache runs`, () => {
    const reference = JSON.parse(readFileSync(join(USER_MODELS_DIR, fixture, 'reference', 'reference.json'), 'utf8')) as {
      steps: number;
      blockCache: { interval: number; blocks: number; runs: Record<string, BlockCacheRun> };
    };
    const { runs, interval, blocks } = reference.blockCache;

    it('an interval of 1 (every step full) reproduces the plain run exactly', () => {
      expect(runs.intervalOne!.stepKinds).toEqual(Array(reference.steps).fill('full'));
      expect(runs.intervalOne!.maxAbsDifferenceFromBaseline).toBe(0);
    });

    for (const name of ['blockcache', 'blockcache_f1b1']) {
      it(`${name}: full steps at indices divisible by ${interval}, and reuse changes the video`, () => {
        const run = runs[name]!;
        expect(run.stepKinds).toEqual(Array.from({ length: reference.steps }, (_, i) => (i % interval === 0 ? 'full' : 'cached')));
        expect(run.cachedBlocks![1]).toBeLessThanOrEqual(blocks);
        const baseline = referenceTensor(fixture, 'baseline.frames').data as Float32Array;
        const cached = referenceTensor(fixture, `${name}.frames`).data as Float32Array;
        const difference = maxAbsDiff(cached, baseline);
        expect(difference).toBe(Math.fround(run.maxAbsDifferenceFromBaseline));
        expect(difference).toBeGreaterThan(1e-4);
        // The first step is full, so the latents after it agree with the plain run's.
        const stepSize = (referenceTensor(fixture, 'baseline.latents_per_step').data as Float32Array).length / reference.steps;
        const first = (t: string) => (referenceTensor(fixture, t).data as Float32Array).subarray(0, stepSize);
        expect(maxAbsDiff(first(`${name}.latents_per_step`), first('baseline.latents_per_step'))).toBe(0);
      });
    }
  });
}
