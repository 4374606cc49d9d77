import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { groupNorm, layerNorm } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, randomArray, runGraph, toleranceFor } from './fixtures/run-built-graph.ts';

// Tolerance: max |ORT − float64 reference| ≤ 1e-5 × max(1, max |reference|).

/** PyTorch's GroupNorm: per sample and group, biased variance over (C/G, spatial), then a per-channel affine. */
function groupNormReference(x: Float32Array, n: number, c: number, spatial: number, groups: number, gamma: Float32Array, beta: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  const perGroup = (c / groups) * spatial;
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const start = (b * c + g * (c / groups)) * spatial;
      let mean = 0;
      for (let i = 0; i < perGroup; i++) mean += x[start + i]!;
      mean /= perGroup;
      let variance = 0;
      for (let i = 0; i < perGroup; i++) variance += (x[start + i]! - mean) ** 2;
      variance /= perGroup;
      const rstd = 1 / Math.sqrt(variance + eps);
      for (let i = 0; i < perGroup; i++) {
        const channel = g * (c / groups) + Math.floor(i / spatial);
        out[start + i] = (x[start + i]! - mean) * rstd * gamma[channel]! + beta[channel]!;
      }
    }
  }
  return out;
}

function layerNormReference(x: Float32Array, rows: number, d: number, gamma: Float32Array, beta: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += (x[r * d + i]! - mean) ** 2;
    variance /= d;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = (x[r * d + i]! - mean) * rstd * gamma[i]! + beta[i]!;
  }
  return out;
}

describe('normalisation ops', () => {
  for (const { shape, groups, eps, offset } of [
    { shape: [2, 8, 5, 6], groups: 4, eps: 1e-5, offset: 3 },
    { shape: [3, 6, 4, 4], groups: 2, eps: 1e-6, offset: -1 },
    { shape: [1, 4, 3, 3], groups: 4, eps: 1e-5, offset: 0 },
  ]) {
    it(`groupNorm matches PyTorch's definition for [${shape}] in ${groups} groups (eps ${eps})`, async () => {
      const [n, c, h, w] = shape as [number, number, number, number];
      const b = new GraphBuilder({ name: 'group-norm', seed: 7 });
      const x = b.input('x', shape);
      b.output(groupNorm(b, 'norm', x, groups, eps), 'y');
      // A common offset and uneven scale make mean and variance matter.
      const xs = randomArray(groups * 10 + c, n * c * h * w, 2).map((v) => v + offset);
      const gamma = b.weightData('norm.weight')!;
      const beta = b.weightData('norm.bias')!;
      expect(gamma.length).toBe(c);
      const reference = groupNormReference(xs, n, c, h * w, groups, gamma, beta, eps);
      const { y } = await runGraph(b, { x: { data: xs, dims: shape } });
      const error = maxAbsDiff(y!, reference);
      console.log(`groupNorm [${shape}] G=${groups}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(reference));
    });
  }

  for (const shape of [
    [2, 5, 16],
    [3, 7],
  ]) {
    it(`layerNorm normalises the last axis of [${shape}]`, async () => {
      const d = shape[shape.length - 1]!;
      const rows = shape.reduce((p, v) => p * v, 1) / d;
      const b = new GraphBuilder({ name: 'layer-norm', seed: 8 });
      const x = b.input('x', shape);
      b.output(layerNorm(b, 'ln', x), 'y');
      const xs = randomArray(shape.length, rows * d, 3).map((v) => v + 0.5);
      const reference = layerNormReference(xs, rows, d, b.weightData('ln.weight')!, b.weightData('ln.bias')!, 1e-5);
      const { y } = await runGraph(b, { x: { data: xs, dims: shape } });
      const error = maxAbsDiff(y!, reference);
      console.log(`layerNorm [${shape}]: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(reference));
    });
  }
});
