import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_TOLERANCE, checkParity, recordedReference, runPytorchReference } from '../tools/parity/check-parity.ts';
import { readReferenceTensor } from '../tools/parity/reference-store.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's baseline against the plain diffusers pipeline, and its deepcache against DeepCache's own helper at
// the same interval and branch, each from the inputs of the PyTorch run (token ids or image, noise). The PyTorch
// pipelines run now where a Python with tools/export/requirements.txt is at hand ($LIGHTBENCH_PYTORCH_PYTHON, or
// the .venv-pytorch that .ci/run installs); elsewhere the run recorded beside each fixture stands in.
const python = PYTORCH_PYTHON;

for (const fixture of USER_MODEL_FIXTURES) {
  describe(`${fixture}: lightbench reproduces the PyTorch videos (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, () => {
    it('baseline and deepcache within the relative error target', async () => {
      const dir = join(USER_MODELS_DIR, fixture);
      const reference = python ? await runPytorchReference(dir, python) : recordedReference(dir);
      try {
        const results = await checkParity(dir, reference);
        for (const r of results) console.log(`${fixture} ${r.variant} vs ${r.reference}: max abs ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)}`);
        expect(results.map((r) => r.variant)).toEqual(['baseline', 'deepcache']);
        for (const r of results) {
          expect(r.referenceMaxAbs).toBeGreaterThan(0.1);
          expect(r.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
        }
        // DeepCache's video differs from the plain one by far more than our error, so matching it is not matching the baseline.
        const plain = readReferenceTensor(reference.root, 'baseline.frames').data as Float32Array;
        const cached = readReferenceTensor(reference.root, 'deepcache.frames').data as Float32Array;
        const apart = plain.reduce((m, v, i) => Math.max(m, Math.abs(v - cached[i]!)), 0);
        expect(apart).toBeGreaterThan(100 * results[1]!.maxAbsError);
      } finally {
        if (reference.source === 'run now') await rm(reference.root, { recursive: true, force: true });
      }
    }, 180_000);
  });
}
