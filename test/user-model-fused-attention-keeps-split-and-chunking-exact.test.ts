import { describe, expect, it } from 'vitest';
import { loadUserModels } from '../harness/suite-config.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { TEST_SESSION, maxAbsDifference } from './fixtures/run-tiny-variant.ts';
import { CHUNKED_DEEPCACHE, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { join } from 'node:path';

// The fusion pass runs before DeepCache's split and FME's chunking: the cut tensors survive it, MultiHeadAttention
// nodes are sliced with their rows like any row-independent operator, and the video equals the one the graphs as
// exported give (no fusion) within float32 summation order.

describe('fused attention in exported UNets', () => {
  it('animatediff-tiny: split at branch 0 and chunked 3×2, fused graphs give the unfused video', async () => {
    const manifest = join(USER_MODELS_DIR, 'animatediff-tiny', 'manifest.json');
    const [model] = [...(await loadUserModels({ models: [manifest] })).values()];
    const fused = userRequest(model!, CHUNKED_DEEPCACHE);
    const plain = userRequest(model!, CHUNKED_DEEPCACHE, { session: { ...TEST_SESSION, fuseAttention: false } });
    const fusedFiles = await prepareUserModels(fused);
    const plainFiles = await prepareUserModels(plain);
    expect(fusedFiles.attention).toMatchObject({ requested: true, form: 'fused', unfusedNodes: 0 });
    expect(fusedFiles.attention.fusedNodes).toBeGreaterThan(0);
    expect(plainFiles.attention).toMatchObject({ requested: false, form: 'unfused', fusedNodes: 0 });
    // The chunked full and shallow graphs hold sliced MultiHeadAttention nodes and no Softmax.
    for (const path of [fusedFiles.unetFull, fusedFiles.unetShallow!]) {
      const ops = (await readOnnxModel(path)).graph!.node!.map((n) => n.opType);
      expect(ops.filter((op) => op === 'MultiHeadAttention').length).toBeGreaterThan(0);
      expect(ops).not.toContain('Softmax');
    }
    expect(fusedFiles.flops.unetFull).toBe(plainFiles.flops.unetFull);
    const a = await runUserPipeline(fused, fusedFiles);
    const b = await runUserPipeline(plain, plainFiles);
    const error = maxAbsDifference(a.frames, b.frames);
    console.log(`animatediff-tiny lightcache-chunk, fused vs as exported: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-4);
  }, 240_000);
});
