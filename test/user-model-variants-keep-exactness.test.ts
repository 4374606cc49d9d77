import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUserModels, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';
import { UNET_VARIANT_NAMES } from '../pipelines/variants.ts';
import { maxAbsDifference } from './fixtures/run-tiny-variant.ts';
import { runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES } from './fixtures/user-model-reference.ts';

// The exactness checks of the built-in variants, on the exported diffusers pipelines: every named variant runs,
// and each switch that should not change the video does not (interval 1 = baseline, chunk on/off, swap on/off,
// slice on/off where the decoder decodes frames independently).
const TOLERANCE = 1e-5;

async function runAll(fixture: string, suite: SuiteFile): Promise<Map<string, Float32Array>> {
  const file: SuiteFile = { models: [join(USER_MODELS_DIR, fixture, 'manifest.json')], steps: 3, ...suite };
  const planned = planSuite(file, {}, await loadUserModels(file));
  const frames = new Map<string, Float32Array>();
  for (const pair of planned.pairs) {
    if (pair.source.kind !== 'user') throw new Error('expected a user model');
    frames.set(pair.spec.name, (await runUser(userRequest(pair.source.model, pair.variant, { steps: planned.suite.steps }))).frames);
  }
  return frames;
}

for (const fixture of USER_MODEL_FIXTURES) {
  describe(`${fixture}: variants on the exported pipeline`, () => {
    it('all seven run; chunk, swap and (per-frame decoders) slice leave the video as it was', async () => {
      const frames = await runAll(fixture, { variants: [...UNET_VARIANT_NAMES], chunks: '3x2' });
      expect([...frames.keys()].sort()).toEqual([...UNET_VARIANT_NAMES].sort());
      const diff = (a: string, b: string) => maxAbsDifference(frames.get(a)!, frames.get(b)!);
      // DeepCache changes the video (so the comparisons below are not between identical runs by accident).
      expect(diff('deepcache', 'baseline')).toBeGreaterThan(100 * TOLERANCE);
      expect(diff('fme', 'baseline')).toBeLessThanOrEqual(TOLERANCE);
      expect(diff('lightcache-chunk', 'deepcache')).toBeLessThanOrEqual(TOLERANCE);
      expect(diff('lightcache-swap', 'deepcache')).toBe(0);
      expect(diff('lightcache-slice', 'deepcache')).toBeLessThanOrEqual(TOLERANCE);
      expect(diff('lightcache', 'deepcache')).toBeLessThanOrEqual(TOLERANCE);
    }, 180_000);

    it('deepcache with interval 1 equals the baseline', async () => {
      const frames = await runAll(fixture, { variants: ['baseline', 'deepcache'], cacheInterval: 1 });
      expect(maxAbsDifference(frames.get('deepcache')!, frames.get('baseline')!)).toBeLessThanOrEqual(TOLERANCE);
    }, 60_000);
  });
}
