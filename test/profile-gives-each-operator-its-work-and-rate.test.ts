import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profiledKernelFlops } from '../harness/profiled-kernel-work.ts';
import { summariseProfile } from '../harness/profile-summary.ts';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { attention, conv2d, linear } from '../pipelines/onnx/ops.ts';
import { createSession, floatTensor } from '../pipelines/ort-backend.ts';
import type { SessionSettings } from '../pipelines/types.ts';

// A real ORT profiling pass over a graph whose work is known: the summary must give each counted operator the
// work of all its calls, from the shapes in the trace, and the stage's whole kernel time.
const [N, T, C, HEADS, RUNS] = [2, 24, 32, 4, 3];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-profile-work-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function profiledStage(level: SessionSettings['graphOptimizationLevel']) {
  const b = new GraphBuilder({ name: 'work', seed: 3, attention: 'fused' });
  const tokens = b.input('tokens', [N, T, C]);
  b.output(linear(b, 'ff', attention(b, 'attn', tokens, { heads: HEADS }), 2 * C), 'y');
  const image = b.input('image', [N, 8, 12, 12]);
  b.output(conv2d(b, 'conv', image, 16, { stride: 2, padding: 1 }), 'z');
  const path = join(dir, `work-${level}.onnx`);
  await writeFile(path, b.build().modelBytes);
  const settings: SessionSettings = { cpuMemArena: false, memPattern: true, graphOptimizationLevel: level, intraOpThreads: 1, interOpThreads: 1, fuseAttention: true };
  const session = await createSession({ path, settings, executionProvider: 'cpu', profilePrefix: join(dir, `trace-${level}`) });
  const feeds = { tokens: floatTensor(new Float32Array(N * T * C).fill(0.1), [N, T, C]), image: floatTensor(new Float32Array(N * 8 * 144).fill(0.1), [N, 8, 12, 12]) };
  for (let i = 0; i < RUNS; i++) await session.run(feeds);
  const file = session.endProfiling()!;
  await session.release();
  return (await summariseProfile([{ stage: 'denoise', file }])).denoise!;
}

describe('the profile summary’s work per operator', () => {
  it('counts the projections, the fused attention and the convolution of every profiled run', async () => {
    const stage = await profiledStage('basic');
    const flopsOf = (...ops: string[]) => stage.byTime.filter((e) => ops.includes(e.op)).reduce((sum, e) => sum + (e.flops ?? 0), 0);
    const projections = 4 * 2 * N * T * C * C + 2 * N * T * C * 2 * C;
    expect(flopsOf('MatMul', 'Gemm', 'FusedMatMul')).toBe(RUNS * projections);
    expect(flopsOf('MultiHeadAttention')).toBe(RUNS * 4 * N * T * T * C);
    expect(flopsOf('Conv')).toBe(RUNS * 2 * N * 16 * 6 * 6 * 8 * 9);
    const kernelUs = stage.byTime.reduce((sum, e) => sum + e.totalUs, 0);
    expect(stage.kernelUs).toBeGreaterThanOrEqual(kernelUs);
  });

  it('leaves out the work of operators it cannot count rather than guessing', () => {
    expect(profiledKernelFlops('Softmax', [[2, 4, 4]], [[2, 4, 4]])).toBeUndefined();
    expect(profiledKernelFlops('MultiHeadAttention', [[2, 24, 4, 3, 8]], [[2, 24, 32]])).toBeUndefined();
    expect(profiledKernelFlops('Gemm', [[5, 7]], [[6, 9]])).toBeUndefined();
    // A transposed A ([K, M]) is read from the output's row count.
    expect(profiledKernelFlops('Gemm', [[7, 5]], [[5, 9]])).toBe(2 * 5 * 9 * 7);
  });
});
