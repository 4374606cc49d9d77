import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEASURED_SESSION } from '../harness/suite-config.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { PARITY_TOLERANCE, checkParity, recordedReference, runPytorchReference } from '../tools/parity/check-parity.ts';
import { readReferenceTensor } from '../tools/parity/reference-store.ts';
import { userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's baseline of the exported Wan and EasyAnimate pipelines against diffusers' WanPipeline and
// EasyAnimatePipeline from the same token ids, attention masks and initial noise: decoded all at once, and frame by
// frame through the causal decoder's graphs with their cache. The PyTorch pipelines run now where a Python with
// tools/export/requirements.txt is at hand; elsewhere the run recorded beside each fixture stands in.
const python = PYTORCH_PYTHON;

describe.each(['wan-tiny', 'easyanimate-tiny'])(`%s: lightbench reproduces the diffusers video (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, (fixture) => {
  const dir = join(USER_MODELS_DIR, fixture);

  it('baseline (with either decoder) and deepcache at branches 0 and 1 within the relative error target', async () => {
    const reference = python ? await runPytorchReference(dir, python) : recordedReference(dir);
    try {
      const results = await checkParity(dir, reference);
      for (const r of results) console.log(`${fixture} ${r.variant} vs ${r.reference}: max abs ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)}`);
      expect(results.map((r) => r.variant)).toEqual(['baseline', 'baseline-sliced', 'deepcache', 'deepcache-branch-1']);
      for (const r of results) {
        expect(r.referenceMaxAbs).toBeGreaterThan(0.1);
        expect(r.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      }
      // The block-cached video differs from the plain one by far more than our error, so the match is not loose.
      const plain = readReferenceTensor(reference.root, 'baseline.frames').data as Float32Array;
      const cached = readReferenceTensor(reference.root, 'blockcache.frames').data as Float32Array;
      const apart = plain.reduce((m, v, i) => Math.max(m, Math.abs(v - cached[i]!)), 0);
      expect(apart).toBeGreaterThan(100 * Math.max(...results.map((r) => r.maxAbsError)));
      // Each block cache's video is its own: matching it is not matching the other one.
      const firstLast = readReferenceTensor(reference.root, 'blockcache_f1b1.frames').data as Float32Array;
      expect(cached.reduce((m, v, i) => Math.max(m, Math.abs(v - firstLast[i]!)), 0)).toBeGreaterThan(100 * results[3]!.maxAbsError);
    } finally {
      if (reference.source === 'run now') await rm(reference.root, { recursive: true, force: true });
    }
  }, 180_000);

  it('runs the transformer with its attention fused, as the measured session deploys it', async () => {
    const model = await loadDitManifest(join(dir, 'manifest.json'));
    const baseline = { name: 'baseline', kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false } as const;
    const files = await prepareUserModels(userRequest(model, baseline, { session: MEASURED_SESSION, modelDir: join(tmpdir(), 'lightbench-parity-models') }));
    expect(files.attention).toMatchObject({ requested: true, form: 'fused', unfusedNodes: 0 });
    expect(files.attention.fusedNodes).toBeGreaterThan(0);
    // The baseline decodes with the whole-video decoder; only a sliced variant prepares the per-frame graphs.
    expect(files.causalDecoder).toBeNull();
  });
});
