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

// The table of providers whose fused attention kernel is used is a claim about onnxruntime-node: on WebGPU the
// kernel exists (the session is created with CPU fallback disabled) but is used only if it agrees with the CPU.
const skip = webgpuSkipReason();
const dir = await mkdtemp(join(tmpdir(), 'lightbench-webgpu-mha-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeAll(() => prepareSoftwareVulkan());

/** Builds a fused self-attention of `tokens` tokens, runs it on WebGPU alone and on the CPU, returns the largest difference. */
async function webgpuAgainstCpu(tokens: number, heads: number, mask: boolean): Promise<number> {
  const b = new GraphBuilder({ name: `mha-${tokens}`, seed: 5, attention: 'fused' });
  const x = b.input('x', [2, tokens, 32]);
  const causal = new Float32Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) for (let j = i + 1; j < tokens; j++) causal[i * tokens + j] = -1e9;
  b.output(attention(b, 'attn', x, { heads, mask: mask ? b.constant(causal, [1, 1, tokens, tokens]) : undefined, qkvBias: true }), 'y');
  expect(b.opTypes()).toContain('MultiHeadAttention');
  const path = join(dir, `mha-${tokens}.onnx`);
  await writeFile(path, b.build().modelBytes);
  const data = randomArray(3, 2 * tokens * 32);
  // CPU fallback off: a MultiHeadAttention node WebGPU could not take would fail the session, not run on the CPU.
  const session = await createSession({ path, settings: TEST_SESSION, executionProvider: 'webgpu', noCpuFallback: true });
  try {
    const onGpu = await readFloat((await session.run({ x: floatTensor(data, [2, tokens, 32]) })).y!);
    const { y: onCpu } = await runModelFile(path, { x: { data, dims: [2, tokens, 32] } });
    return maxAbsDiff(onGpu, onCpu!);
  } finally {
    await session.release();
  }
}

describe.skipIf(skip !== null)(`WebGPU fused attention${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs MultiHeadAttention (with an additive mask) on WebGPU alone, matching the CPU on a short sequence', async () => {
    expect(await webgpuAgainstCpu(6, 2, true)).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  it('the provider table uses the fused kernel on WebGPU exactly when it matches the CPU on 64 tokens', async () => {
    const error = await webgpuAgainstCpu(64, 8, false);
    console.log(`WebGPU MultiHeadAttention, 64 tokens, 8 heads: max abs difference from the CPU kernel ${error.toExponential(2)}`);
    expect(FUSED_ATTENTION_PROVIDERS.webgpu).toBe(error <= 1e-4);
  }, 120_000);

  it('CPU fallback off refuses a graph with an operator WebGPU has no kernel for (the check can fail)', async () => {
    const b = new GraphBuilder({ name: 'no-kernel', seed: 1 });
    // Det has CPU kernels only.
    const x = b.input('x', [3, 3]);
    b.output(b.op('Det', [x], []), 'y');
    const path = join(dir, 'no-kernel.onnx');
    await writeFile(path, b.build().modelBytes);
    await expect(createSession({ path, settings: TEST_SESSION, executionProvider: 'webgpu', noCpuFallback: true })).rejects.toThrow(/fallback|CPU EP/i);
  }, 120_000);
});
