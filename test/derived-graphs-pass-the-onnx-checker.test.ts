import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { ditCacheBranches, prepareUserModels } from '../pipelines/user-model-files.ts';
import { TEST_SESSION } from './fixtures/run-tiny-variant.ts';
import { userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// Every graph lightbench writes from a user's model must open in the onnx package as the user's own tools would:
// onnx.load (with its data), check_model(full_check=True) and strict shape inference. Needs Python with `onnx`
// ($LIGHTBENCH_PYTORCH_PYTHON, or the .venv-pytorch that .ci/run installs).
const python = PYTORCH_PYTHON;
const CHECKER = join(import.meta.dirname, '..', 'tools', 'reference', 'check_onnx_graphs.py');

function onnxFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.onnx') && !name.includes('.ort-'))
    .map((name) => join(dir, name));
}

const variant = (branch: number, chunked: boolean): VariantConfig => ({
  name: 'derived',
  kind: chunked ? 'lightcache' : 'deepcache',
  cache: { interval: 2, branch, schedule: 'uniform', center: 0, power: 1.4 },
  chunks: chunked ? { batchFrames: 3, spatial: 2 } : null,
  sliceFrames: null,
  swap: false,
});

describe.skipIf(!python)(`derived graphs of the fixtures pass onnx.checker (${python ? `Python at ${python}` : 'skipped: no Python with onnx; set LIGHTBENCH_PYTORCH_PYTHON or run .ci/run'})`, () => {
  it('split, chunked, inlined and `models split` graphs of every cut point', async () => {
    const modelDir = await mkdtemp(join(tmpdir(), 'lightbench-checker-'));
    const splitDir = await mkdtemp(join(tmpdir(), 'lightbench-checker-split-'));
    for (const fixture of USER_MODEL_FIXTURES) {
      const model = await loadModelManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
      for (const { branch, tensor } of model.unet.cutPoints) {
        for (const chunked of [false, true]) {
          // 'basic' makes the copies with weights inlined; ORT's own optimised copies (.ort-*) are ORT's output.
          await prepareUserModels(userRequest(model, variant(branch, chunked), { modelDir, session: { ...TEST_SESSION, graphOptimizationLevel: 'basic' } }));
        }
        await splitModelFile(model.unet.path, tensor.name, join(splitDir, fixture, `branch-${branch}`));
      }
    }
    const files = [...onnxFiles(modelDir), ...onnxFiles(splitDir)];
    const kinds = ['.full-with-cache.onnx', '.shallow.onnx', '.chunked-3x2.onnx', '.inline.onnx'];
    for (const kind of kinds) expect(files.some((f) => f.endsWith(kind)), kind).toBe(true);
    const output = execFileSync(python!, [CHECKER, ...files], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const results = output.trim().split('\n').map((line) => JSON.parse(line) as { path: string; ok: boolean; error: string | null });
    expect(results).toHaveLength(files.length);
    console.log(`onnx.checker: ${results.filter((r) => r.ok).length} of ${files.length} graphs pass`);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 300_000);

  it('block-cache graphs of both diffusion-transformer fixtures at every branch, as they are and chunked over tokens', async () => {
    const modelDir = await mkdtemp(join(tmpdir(), 'lightbench-checker-dit-'));
    for (const fixture of ['wan-tiny', 'easyanimate-tiny']) {
      const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
      for (const branch of ditCacheBranches(model)) {
        for (const chunked of [false, true]) {
          const derived = chunked ? { ...variant(branch, true), tokenChunks: 4 } : variant(branch, false);
          await prepareUserModels(userRequest(model, derived, { modelDir, session: { ...TEST_SESSION, graphOptimizationLevel: 'basic' } }));
        }
      }
    }
    const files = onnxFiles(modelDir);
    for (const kind of ['.full-with-block-residual.onnx', '.block-cached.onnx']) expect(files.filter((f) => f.endsWith(kind)), kind).toHaveLength(4);
    expect(files.filter((f) => f.endsWith('.chunked-tokens-4.onnx'))).toHaveLength(8);
    const output = execFileSync(python!, [CHECKER, ...files], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const results = output.trim().split('\n').map((line) => JSON.parse(line) as { path: string; ok: boolean; error: string | null });
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 300_000);

  it('run-time cache graphs (head, rest with residual, cached rest) of both diffusion-transformer fixtures', async () => {
    const modelDir = await mkdtemp(join(tmpdir(), 'lightbench-checker-runtime-'));
    const runs: [string, 'first-block-cache' | 'teacache' | 'mag-cache'][] = [
      ['wan-tiny', 'first-block-cache'],
      ['wan-tiny', 'teacache'],
      ['easyanimate-tiny', 'first-block-cache'],
      ['easyanimate-tiny', 'mag-cache'],
    ];
    for (const [fixture, method] of runs) {
      const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
      const runtime: VariantConfig = { name: method, kind: method, cache: null, chunks: null, sliceFrames: null, swap: false, runtimeCache: { method, threshold: 0.1 } };
      await prepareUserModels(userRequest(model, runtime, { modelDir, session: { ...TEST_SESSION, graphOptimizationLevel: 'basic' } }));
    }
    const files = onnxFiles(modelDir).filter((f) => /(first-block-cache|teacache|mag-cache)-(head|rest-with-residual|rest-cached)\.onnx$/.test(f));
    expect(files).toHaveLength(3 * runs.length);
    const output = execFileSync(python!, [CHECKER, ...files], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const results = output.trim().split('\n').map((line) => JSON.parse(line) as { path: string; ok: boolean; error: string | null });
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 300_000);

  it('pab graphs (computing, and taking spatial, cross or both attention outputs) of the Wan fixture', async () => {
    const modelDir = await mkdtemp(join(tmpdir(), 'lightbench-checker-pab-'));
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const pab: VariantConfig = {
      name: 'pab', kind: 'pab', cache: null, chunks: null, sliceFrames: null, swap: false,
      attentionBroadcast: { spatialAttentionBlockSkipRange: 3, spatialAttentionTimestepSkipRange: [100, 960], crossAttentionBlockSkipRange: 2, crossAttentionTimestepSkipRange: [100, 800] },
    };
    await prepareUserModels(userRequest(model, pab, { modelDir, steps: 8, session: { ...TEST_SESSION, fuseAttention: true, graphOptimizationLevel: 'basic' } }));
    const files = onnxFiles(modelDir).filter((f) => /\.pab-[a-z+]+-spatial\+cross\.onnx$/.test(f));
    expect(files.map((f) => f.match(/\.pab-([a-z+]+)-/)![1]).sort()).toEqual(['computing', 'cross', 'spatial', 'spatial+cross']);
    const output = execFileSync(python!, [CHECKER, ...files], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const results = output.trim().split('\n').map((line) => JSON.parse(line) as { path: string; ok: boolean; error: string | null });
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 300_000);
});
