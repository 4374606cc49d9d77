import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { gelu, linear, matmul, quickGelu, silu, softmax } from '../pipelines/onnx/ops.ts';
import type { TensorRef } from '../pipelines/onnx/types.ts';
import { maxAbsDiff, randomArray, runGraph, toleranceFor } from './fixtures/run-built-graph.ts';

// Tolerance: max |ORT − float64 reference| ≤ 1e-5 × max(1, max |reference|).

/** erf by Abramowitz–Stegun 7.1.26 is only 1e-7 accurate; this series/continued-fraction pair is ~1e-15. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz), accurate for |x| ≥ 2.5.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

async function runUnary(seed: number, shape: number[], std: number, build: (b: GraphBuilder, x: TensorRef) => TensorRef) {
  const b = new GraphBuilder({ name: 'unary', seed });
  const x = b.input('x', shape);
  const y = build(b, x);
  b.output(y, 'y');
  const xs = randomArray(seed, shape.reduce((p, d) => p * d, 1), std);
  const { y: actual } = await runGraph(b, { x: { data: xs, dims: shape } });
  return { b, xs, actual: actual!, shape: y.shape };
}

describe('activations, linear, matmul and softmax', () => {
  const elementwise: [string, (b: GraphBuilder, x: TensorRef) => TensorRef, (v: number) => number][] = [
    ['gelu (exact, erf)', gelu, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
    ['silu', silu, (v) => v * sigmoid(v)],
    ['quickGelu', quickGelu, (v) => v * sigmoid(1.702 * v)],
  ];
  for (const [index, [label, op, reference]] of elementwise.entries()) {
    it(`${label} matches its float64 formula over [-12, 12]`, async () => {
      const { xs, actual } = await runUnary(50 + index, [4, 257], 4, op);
      const expected = Float64Array.from(xs, reference);
      const error = maxAbsDiff(actual, expected);
      console.log(`${label}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(expected));
    });
  }

  it('the erf used by the gelu reference is itself right', () => {
    // Known values: erf(0.5), erf(1), erf(2), erf(3).
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
  });

  for (const axis of [-1, 1]) {
    it(`softmax over axis ${axis} of [3, 5, 7] matches the float64 normalised exponential`, async () => {
      const shape = [3, 5, 7];
      const { xs, actual } = await runUnary(60 + axis, shape, 5, (b, x) => softmax(b, x, axis));
      const a = axis < 0 ? axis + shape.length : axis;
      const stride = shape.slice(a + 1).reduce((p, d) => p * d, 1);
      const length = shape[a]!;
      const expected = new Float64Array(xs.length);
      for (let start = 0; start < xs.length; start++) {
        if (Math.floor(start / stride) % length !== 0) continue;
        const idx = Array.from({ length }, (_, k) => start + k * stride);
        const top = Math.max(...idx.map((i) => xs[i]!));
        const total = idx.reduce((s, i) => s + Math.exp(xs[i]! - top), 0);
        for (const i of idx) expected[i] = Math.exp(xs[i]! - top) / total;
      }
      const error = maxAbsDiff(actual, expected);
      console.log(`softmax axis ${axis}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(expected));
    });
  }

  for (const bias of [true, false]) {
    it(`linear over the last axis of [2, 3, 6] → 5 (${bias ? 'with' : 'without'} bias) is x·W + b with W stored [in, out]`, async () => {
      const { b, xs, actual, shape } = await runUnary(70, [2, 3, 6], 1, (g, x) => linear(g, 'fc', x, 5, { bias }));
      expect(shape).toEqual([2, 3, 5]);
      const weight = b.weightData('fc.weight')!;
      expect(b.weightShape('fc.weight')).toEqual([6, 5]);
      const biasData = b.weightData('fc.bias');
      expect(biasData !== null).toBe(bias);
      const expected = new Float64Array(6 * 5);
      for (let r = 0; r < 6; r++) {
        for (let o = 0; o < 5; o++) {
          let sum = biasData ? biasData[o]! : 0;
          for (let i = 0; i < 6; i++) sum += xs[r * 6 + i]! * weight[i * 5 + o]!;
          expected[r * 5 + o] = sum;
        }
      }
      const error = maxAbsDiff(actual, expected);
      console.log(`linear bias=${bias}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(expected));
    });
  }

  it('matmul broadcasts a [1, 4, 3] right operand over a [2, 1, 5, 4] batch', async () => {
    const b = new GraphBuilder({ name: 'matmul', seed: 80 });
    const x = b.input('x', [2, 1, 5, 4]);
    const y = b.input('y', [1, 4, 3]);
    const out = matmul(b, x, y);
    expect(out.shape).toEqual([2, 1, 5, 3]);
    b.output(out, 'z');
    const xs = randomArray(81, 40);
    const ys = randomArray(82, 12);
    const expected = new Float64Array(30);
    for (let n = 0; n < 2; n++) {
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 3; j++) {
          let sum = 0;
          for (let k = 0; k < 4; k++) sum += xs[n * 20 + i * 4 + k]! * ys[k * 3 + j]!;
          expected[n * 15 + i * 3 + j] = sum;
        }
      }
    }
    const { z } = await runGraph(b, { x: { data: xs, dims: [2, 1, 5, 4] }, y: { data: ys, dims: [1, 4, 3] } });
    const error = maxAbsDiff(z!, expected);
    console.log(`matmul broadcast: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(toleranceFor(expected));
  });
});
