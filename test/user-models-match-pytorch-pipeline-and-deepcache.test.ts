import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_TOLERANCE, checkParity } from '../tools/parity/check-parity.ts';
import { readReferenceTensor } from '../tools/parity/reference-store.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES } from './fixtures/user-model-reference.ts';

// lightbench's baseline against the plain diffusers pipeline, and its deepcache against DeepCache's own helper at
// the same interval and branch, each from the inputs the PyTorch run recorded (token ids or image, noise).
for (const fixture of USER_MODEL_FIXTURES) {
  describe(`${fixture}: lightbench reproduces the PyTorch videos`, () => {
    it('baseline and deepcache within the relative error target', async () => {
      const dir = join(USER_MODELS_DIR, fixture);
      const results = await checkParity(dir);
      for (const r of results) console.log(`${fixture} ${r.variant}: max abs ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)}`);
      expect(results.map((r) => r.variant)).toEqual(['baseline', 'deepcache']);
      for (const r of results) {
        expect(r.referenceMaxAbs).toBeGreaterThan(0.1);
        expect(r.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      }
      // DeepCache's video differs from the plain one by far more than our error, so matching it is not matching the baseline.
      const plain = readReferenceTensor(dir, 'baseline.frames').data as Float32Array;
      const cached = readReferenceTensor(dir, 'deepcache.frames').data as Float32Array;
      const apart = plain.reduce((m, v, i) => Math.max(m, Math.abs(v - cached[i]!)), 0);
      expect(apart).toBeGreaterThan(100 * results[1]!.maxAbsError);
    }, 120_000);
  });
}
