import { describe, expect, it } from 'vitest';
import { countModelWork } from '../pipelines/onnx/flop-counter.ts';
import { prepareModels, runPipeline } from '../pipelines/video-pipeline.ts';
import { TEST_SESSION, maxAbsDifference, tinyRequest } from './fixtures/run-tiny-variant.ts';

// session.fuseAttention picks the graphs a built-in model runs: fused MultiHeadAttention (the default, as deployed)
// or MatMul-Softmax-MatMul. Both are the same model: the frames agree to float32 summation order, the counted work is
// the same, and each variant's files report which form they hold.
describe('fuseAttention on built-in models', () => {
  it('builds different files for the two forms, reports each, and both give the same video', async () => {
    const fused = tinyRequest('deepcache');
    const unfused = { ...fused, session: { ...TEST_SESSION, fuseAttention: false } };
    const [fusedFiles, unfusedFiles] = [await prepareModels(fused), await prepareModels(unfused)];
    expect(fusedFiles.unetFull).not.toBe(unfusedFiles.unetFull);
    expect(fusedFiles.attention.form).toBe('fused');
    expect(fusedFiles.attention.unfusedNodes).toBe(0);
    expect(fusedFiles.attention.fusedNodes).toBeGreaterThan(0);
    expect(unfusedFiles.attention).toMatchObject({ requested: false, form: 'unfused', fusedNodes: 0 });
    expect(unfusedFiles.attention.unfusedNodes).toBe(fusedFiles.attention.fusedNodes);
    // Counted on the unoptimised graphs: the fused node counts as the two products it replaces.
    expect(fusedFiles.flops.unetFull).toBe(unfusedFiles.flops.unetFull);
    const work = await countModelWork(fusedFiles.unetFull);
    expect(work.byOp.MultiHeadAttention ?? 0).toBeGreaterThan(0);
    const a = await runPipeline(fused, fusedFiles);
    const b = await runPipeline(unfused, unfusedFiles);
    const error = maxAbsDifference(a.frames, b.frames);
    console.log(`tiny deepcache, fused vs unfused frames: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
