import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { sinusoidalEmbedding, sinusoidalTable } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, runGraph } from './fixtures/run-built-graph.ts';

// Tolerance 1e-5 absolute (values lie in [-1, 1]). The graph forms t·f in float32, and at t ≈ 1000 float32 holds the
// argument only to ~6e-5, so the reference takes the float32-rounded argument and evaluates cos/sin in float64;
// the deviation from an all-float64 evaluation is logged and bounded by the argument's rounding.

describe('sinusoidal embeddings', () => {
  it("sinusoidalEmbedding is diffusers' timestep embedding with flip_sin_to_cos (cos half first, freq_shift 0)", async () => {
    const dim = 16;
    const half = dim / 2;
    const positions = Float32Array.from([0, 1, 17.5, 250, 999]);
    const b = new GraphBuilder({ name: 'timestep-embedding', seed: 1 });
    const t = b.input('t', [positions.length]);
    const y = sinusoidalEmbedding(b, t, dim);
    expect(y.shape).toEqual([positions.length, dim]);
    b.output(y, 'y');
    const { y: actual } = await runGraph(b, { t: { data: positions, dims: [positions.length] } });
    const expected = new Float64Array(positions.length * dim);
    const exact = new Float64Array(positions.length * dim);
    let argumentRounding = 0;
    positions.forEach((p, row) => {
      for (let i = 0; i < half; i++) {
        const frequency = Math.exp((-Math.log(10000) * i) / half);
        const argument = Math.fround(p * Math.fround(frequency));
        argumentRounding = Math.max(argumentRounding, Math.abs(argument - p * frequency));
        expected[row * dim + i] = Math.cos(argument);
        expected[row * dim + half + i] = Math.sin(argument);
        exact[row * dim + i] = Math.cos(p * frequency);
        exact[row * dim + half + i] = Math.sin(p * frequency);
      }
    });
    const error = maxAbsDiff(actual!, expected);
    const exactError = maxAbsDiff(actual!, exact);
    console.log(`sinusoidalEmbedding: max abs error ${error.toExponential(2)} (vs all-float64: ${exactError.toExponential(2)}, argument rounding ${argumentRounding.toExponential(2)})`);
    expect(error).toBeLessThanOrEqual(1e-5);
    expect(exactError).toBeLessThanOrEqual(argumentRounding + 1e-5);
  });

  it('sinusoidalTable has sin on even and cos on odd columns with period 10000^(i/d)', () => {
    const [length, dim] = [32, 10];
    const table = sinusoidalTable(length, dim);
    expect(table.length).toBe(length * dim);
    const expected = new Float64Array(length * dim);
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < dim; i += 2) {
        const divTerm = Math.exp(i * (-Math.log(10000) / dim));
        expected[p * dim + i] = Math.sin(p * divTerm);
        expected[p * dim + i + 1] = Math.cos(p * divTerm);
      }
    }
    const error = maxAbsDiff(table, expected);
    console.log(`sinusoidalTable: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-6);
    // Row 0 is (0, 1, 0, 1, …).
    expect(Array.from(table.subarray(0, dim))).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });
});
