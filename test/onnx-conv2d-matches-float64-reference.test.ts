import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { conv2d } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, randomArray, runGraph, toleranceFor } from './fixtures/run-built-graph.ts';

// Tolerance: max |ORT − float64 reference| ≤ 1e-5 × max(1, max |reference|).

function conv2dReference(
  x: Float32Array,
  [n, c, h, w]: number[],
  weight: Float32Array,
  bias: Float32Array,
  outChannels: number,
  kernel: number,
  stride: number,
  padding: number,
): { data: Float64Array; dims: number[] } {
  const outH = Math.floor((h + 2 * padding - kernel) / stride) + 1;
  const outW = Math.floor((w + 2 * padding - kernel) / stride) + 1;
  const out = new Float64Array(n * outChannels * outH * outW);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outChannels; o++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = bias[o]!;
          for (let i = 0; i < c; i++) {
            for (let ky = 0; ky < kernel; ky++) {
              const y = oy * stride - padding + ky;
              if (y < 0 || y >= h) continue;
              for (let kx = 0; kx < kernel; kx++) {
                const xx = ox * stride - padding + kx;
                if (xx < 0 || xx >= w) continue;
                sum += x[((b * c + i) * h + y) * w + xx]! * weight[((o * c + i) * kernel + ky) * kernel + kx]!;
              }
            }
          }
          out[((b * outChannels + o) * outH + oy) * outW + ox] = sum;
        }
      }
    }
  }
  return { data: out, dims: [n, outChannels, outH, outW] };
}

const CASES = [
  { label: '3×3 stride 1 padding 1', kernel: 3, stride: 1, padding: 1, input: [2, 3, 7, 6], out: 5 },
  { label: '3×3 stride 2 padding 1 (the downsampler)', kernel: 3, stride: 2, padding: 1, input: [2, 4, 8, 7], out: 6 },
  { label: '3×3 stride 1 without padding', kernel: 3, stride: 1, padding: 0, input: [1, 3, 6, 6], out: 4 },
  { label: '1×1 (shortcut and projections)', kernel: 1, stride: 1, padding: 0, input: [3, 6, 5, 4], out: 8 },
];

describe('conv2d', () => {
  for (const [index, testCase] of CASES.entries()) {
    it(`matches a float64 convolution: ${testCase.label}`, async () => {
      const b = new GraphBuilder({ name: 'conv2d', seed: 100 + index });
      const x = b.input('x', testCase.input);
      const y = conv2d(b, 'conv', x, testCase.out, { kernel: testCase.kernel, stride: testCase.stride, padding: testCase.padding });
      b.output(y, 'y');
      const xs = randomArray(index + 1, testCase.input.reduce((p, d) => p * d, 1));
      const weight = b.weightData('conv.weight');
      const bias = b.weightData('conv.bias');
      expect(weight).not.toBeNull();
      expect(bias).not.toBeNull();
      const reference = conv2dReference(xs, testCase.input, weight!, bias!, testCase.out, testCase.kernel, testCase.stride, testCase.padding);
      expect(y.shape).toEqual(reference.dims);
      const { y: actual } = await runGraph(b, { x: { data: xs, dims: testCase.input } });
      const error = maxAbsDiff(actual!, reference.data);
      console.log(`conv2d ${testCase.label}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(reference.data));
    });
  }
});
