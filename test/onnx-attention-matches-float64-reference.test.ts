import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { attention } from '../pipelines/onnx/ops.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbsDiff, randomArray, runGraph, toleranceFor } from './fixtures/run-built-graph.ts';

// Tolerance: max |ORT − float64 reference| ≤ 1e-5 × max(1, max |reference|).

/** Row-major [rows, in] × [in, out] (+ bias) in float64. */
function dense(x: ArrayLike<number>, rows: number, inF: number, weight: Float32Array, outF: number, bias: Float32Array | null): Float64Array {
  const out = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let sum = bias ? bias[o]! : 0;
      for (let i = 0; i < inF; i++) sum += x[r * inF + i]! * weight[i * outF + o]!;
      out[r * outF + o] = sum;
    }
  }
  return out;
}

/** Multi-head scaled dot-product attention of x [N, T, C] over context [N, S, Cc], with an additive [T, S] mask. */
function attentionReference(
  x: Float32Array,
  context: Float32Array,
  [n, t, c]: number[],
  [s, cc]: number[],
  heads: number,
  weights: (name: string) => Float32Array | null,
  mask: Float64Array | null,
): Float64Array {
  const d = c / heads;
  const out = new Float64Array(n * t * c);
  for (let b = 0; b < n; b++) {
    const xb = x.subarray(b * t * c, (b + 1) * t * c);
    const cb = context.subarray(b * s * cc, (b + 1) * s * cc);
    const q = dense(xb, t, c, weights('attn.to_q.weight')!, c, weights('attn.to_q.bias'));
    const k = dense(cb, s, cc, weights('attn.to_k.weight')!, c, weights('attn.to_k.bias'));
    const v = dense(cb, s, cc, weights('attn.to_v.weight')!, c, weights('attn.to_v.bias'));
    const joined = new Float64Array(t * c);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < t; i++) {
        const scores = new Float64Array(s);
        let top = -Infinity;
        for (let j = 0; j < s; j++) {
          let dot = 0;
          for (let e = 0; e < d; e++) dot += q[i * c + h * d + e]! * k[j * c + h * d + e]!;
          scores[j] = dot / Math.sqrt(d) + (mask ? mask[i * s + j]! : 0);
          top = Math.max(top, scores[j]!);
        }
        let total = 0;
        for (let j = 0; j < s; j++) total += scores[j] = Math.exp(scores[j]! - top);
        for (let e = 0; e < d; e++) {
          let sum = 0;
          for (let j = 0; j < s; j++) sum += (scores[j]! / total) * v[j * c + h * d + e]!;
          joined[i * c + h * d + e] = sum;
        }
      }
    }
    out.set(dense(joined, t, c, weights('attn.to_out.weight')!, c, weights('attn.to_out.bias')), b * t * c);
  }
  return out;
}

function causalMask(t: number): Float64Array {
  const mask = new Float64Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) mask[i * t + j] = -1e9;
  return mask;
}

const CASES = [
  { label: 'self-attention, 1 head', n: 2, t: 5, c: 8, heads: 1, cross: null, causal: false, qkvBias: false },
  { label: 'self-attention, 4 heads, q/k/v biases', n: 2, t: 6, c: 16, heads: 4, cross: null, causal: false, qkvBias: true },
  { label: 'cross-attention, 2 heads, context of another width', n: 3, t: 4, c: 8, heads: 2, cross: { s: 7, cc: 12 }, causal: false, qkvBias: false },
  { label: 'causal self-attention, 2 heads (the text encoder)', n: 2, t: 6, c: 8, heads: 2, cross: null, causal: true, qkvBias: true },
] as const;

describe.each(['fused', 'unfused'] as const)('attention, %s', (form) => {
  for (const [index, tc] of CASES.entries()) {
    it(`matches float64 multi-head attention: ${tc.label}`, async () => {
      const b = new GraphBuilder({ name: 'attention', seed: 30 + index, attention: form });
      const x = b.input('x', [tc.n, tc.t, tc.c]);
      const context = tc.cross ? b.input('context', [tc.n, tc.cross.s, tc.cross.cc]) : undefined;
      const mask = tc.causal ? causalMask(tc.t) : null;
      const y = attention(b, 'attn', x, {
        heads: tc.heads,
        context,
        mask: mask ? b.constant(Float32Array.from(mask), [1, 1, tc.t, tc.t]) : undefined,
        qkvBias: tc.qkvBias,
      });
      b.output(y, 'y');
      expect(b.weightData('attn.to_q.bias') !== null).toBe(tc.qkvBias);
      // The fused form stores no score matrix: one MultiHeadAttention node, no Softmax.
      expect(b.opTypes().includes('MultiHeadAttention')).toBe(form === 'fused');
      expect(b.opTypes().includes('Softmax')).toBe(form === 'unfused');
      const xs = randomArray(index * 2 + 1, tc.n * tc.t * tc.c);
      const s = tc.cross?.s ?? tc.t;
      const cc = tc.cross?.cc ?? tc.c;
      const ctx = tc.cross ? randomArray(index * 2 + 2, tc.n * s * cc) : xs;
      const reference = attentionReference(xs, ctx, [tc.n, tc.t, tc.c], [s, cc], tc.heads, (name) => b.weightData(name), mask);
      const feeds: Record<string, Feed> = { x: { data: xs, dims: x.shape } };
      if (context) feeds.context = { data: ctx, dims: context.shape };
      const { y: actual } = await runGraph(b, feeds);
      const error = maxAbsDiff(actual!, reference);
      console.log(`attention (${form}) ${tc.label}: max abs error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(toleranceFor(reference));
    });
  }

  it('lets no later token influence an earlier one under the causal mask', async () => {
    const t = 5;
    const b = new GraphBuilder({ name: 'causal', seed: 41, attention: form });
    const x = b.input('x', [1, t, 8]);
    b.output(attention(b, 'attn', x, { heads: 2, mask: b.constant(Float32Array.from(causalMask(t)), [1, 1, t, t]) }), 'y');
    const base = randomArray(5, t * 8);
    const changed = base.slice();
    for (let i = 3 * 8; i < t * 8; i++) changed[i] = changed[i]! + 10;
    const { y: first } = await runGraph(b, { x: { data: base, dims: [1, t, 8] } });
    const { y: second } = await runGraph(b, { x: { data: changed, dims: [1, t, 8] } });
    const earlyError = maxAbsDiff(first!.subarray(0, 3 * 8), second!.subarray(0, 3 * 8));
    console.log(`causal: tokens 0-2 moved by ${earlyError.toExponential(2)} when tokens 3-4 changed`);
    expect(earlyError).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(first!.subarray(3 * 8), second!.subarray(3 * 8))).toBeGreaterThan(1e-2);
  });
});
