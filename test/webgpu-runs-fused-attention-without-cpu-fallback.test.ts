import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_ATTENTION_PROVIDERS } from '../pipelines/attention-form.ts';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { attention } from '../pipelines/onnx/ops.ts';
import { createSession, floatTensor, readFloat } from '../pipelines/ort-backend.ts';
import { TEST_SESSION, maxAbsDiff, randomArray, runModelFile } from './fixtures/run-built-graph.ts';
import { prepareSoftwareVulkan, webgpuSkipReason } from './fixtures/software-vulkan.ts';

// The table of providers with a fused attention kernel is a claim about onnxruntime-node: on WebGPU it is checked
// by creating the session with CPU fallback disabled, so a MultiHeadAttention node the provider could not take
// would fail the session instead of quietly running on the CPU.
const skip = webgpuSkipReason();
const dir = await mkdtemp(join(tmpdir(), 'lightbench-webgpu-mha-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeAll(() => prepareSoftwareVulkan());

describe.skipIf(skip !== null)(`WebGPU fused attention${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs MultiHeadAttention (with an additive mask) on WebGPU alone and matches the CPU provider', async () => {
    expect(FUSED_ATTENTION_PROVIDERS.webgpu).toBe(true);
    const b = new GraphBuilder({ name: 'mha', seed: 5, attention: 'fused' });
    const x = b.input('x', [2, 6, 16]);
    const mask = new Float32Array(36);
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) mask[i * 6 + j] = -1e9;
    b.output(attention(b, 'attn', x, { heads: 4, mask: b.constant(mask, [1, 1, 6, 6]), qkvBias: true }), 'y');
    expect(b.opTypes()).toContain('MultiHeadAttention');
    const path = join(dir, 'mha.onnx');
    await writeFile(path, b.build().modelBytes);
    const data = randomArray(3, 2 * 6 * 16);
    const session = await createSession({ path, settings: TEST_SESSION, executionProvider: 'webgpu', noCpuFallback: true });
    try {
      const out = await session.run({ x: floatTensor(data, [2, 6, 16]) });
      const onGpu = await readFloat(out.y!);
      const { y: onCpu } = await runModelFile(path, { x: { data, dims: [2, 6, 16] } });
      expect(maxAbsDiff(onGpu, onCpu!)).toBeLessThanOrEqual(1e-4);
    } finally {
      await session.release();
    }
  }, 120_000);

  it('the same setting refuses a graph with an operator WebGPU has no kernel for (the check can fail)', async () => {
    const b = new GraphBuilder({ name: 'no-kernel', seed: 1 });
    // Det has CPU kernels only.
    const x = b.input('x', [3, 3]);
    b.output(b.op('Det', [x], []), 'y');
    const path = join(dir, 'no-kernel.onnx');
    await writeFile(path, b.build().modelBytes);
    await expect(createSession({ path, settings: TEST_SESSION, executionProvider: 'webgpu', noCpuFallback: true })).rejects.toThrow(/fallback|CPU EP/i);
  }, 120_000);
});
