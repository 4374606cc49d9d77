import { attentionFlops, convolutionFlops, matrixProductFlops } from '../pipelines/onnx/flop-counter.ts';

// The floating-point work of one profiled kernel call, from the input and output shapes ORT's trace records for it,
// counted by the graph work counter's conventions. It is the work of the shapes the kernel ran, which is what its
// rate should be measured against: an NCHWc convolution runs on channels padded to the block size, so its figure
// can exceed the graph's useful work.

/**
 * The contraction length of a matrix product whose operands may be transposed (Gemm's and FusedMatMul's trans
 * attributes are not in the trace, nor is a prepacked B): the side of A that is not the output's row count.
 */
function contraction(a: readonly number[], out: readonly number[]): number | undefined {
  const rows = out[out.length - 2];
  const [aRows, aCols] = [a[a.length - 2], a[a.length - 1]];
  if (rows === undefined || aRows === undefined || aCols === undefined) return undefined;
  return aRows === rows ? aCols : aCols === rows ? aRows : undefined;
}

/**
 * Multiply-adds ×2 of a Conv, MatMul, FusedMatMul, Gemm or MultiHeadAttention call ([batch, tokens, channels]
 * query and key); undefined for other operators and for shapes these formulas do not cover (packed attention
 * inputs, keys whose batch or width differ from the query's, a missing output shape).
 */
export function profiledKernelFlops(op: string, inputs: readonly (readonly number[])[], outputs: readonly (readonly number[])[]): number | undefined {
  const out = outputs[0];
  if (!out || out.length === 0) return undefined;
  switch (op) {
    case 'Conv': {
      const weight = inputs[1];
      return weight && weight.length >= 3 ? convolutionFlops(out, weight) : undefined;
    }
    case 'MatMul':
    case 'FusedMatMul':
    case 'Gemm': {
      const a = inputs[0];
      if (!a || a.length < 2 || out.length < 2) return undefined;
      const k = contraction(a, out);
      return k === undefined ? undefined : matrixProductFlops(out, k);
    }
    case 'MultiHeadAttention': {
      const [q, k, v] = inputs;
      if (!q || !k || !v || k.length !== 3 || q[0] !== k[0] || q[2] !== k[2]) return undefined;
      return attentionFlops(q, k, v);
    }
    default:
      return undefined;
  }
}
