import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Floating-point operations of one model run, by operator type. */
export interface ModelWork {
  flops: number;
  byOp: Record<string, number>;
  /** Convolution and matrix-product nodes whose shapes the file does not state (their work is not counted). */
  uncountedNodes: number;
  /** Attention as one fused operator (MultiHeadAttention) and as primitives (one Softmax each). */
  attentionNodes: { fused: number; unfused: number };
}

type Dims = number[];

function dimsOf(type: onnxProto.onnx.ITypeProto | null | undefined): Dims | null {
  const dims = type?.tensorType?.shape?.dim;
  if (!dims) return null;
  const out = dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : NaN));
  return out.some(Number.isNaN) ? null : out;
}

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

// The counting conventions, shared with the profiling pass's per-kernel work (harness/profiled-kernel-work.ts).

/** A convolution's work: each output element takes Cin/group·kh·kw multiply-adds (weight [Cout, Cin/group, kh, kw]). */
export const convolutionFlops = (output: readonly number[], weight: readonly number[]) => 2 * product(output) * product(weight.slice(1));

/** A matrix product's work: every output element is a dot product of length `contraction`. */
export const matrixProductFlops = (output: readonly number[], contraction: number) => 2 * product(output) * contraction;

/**
 * A fused attention's work, counted as the two products the primitives would compute (QKᵀ and P·V), for a query
 * [B, T, C] and keys and values [B, L, D] or per head [B, N, L, d]; undefined for any other query layout.
 */
export function attentionFlops(q: readonly number[], k: readonly number[], v: readonly number[]): number | undefined {
  if (q.length !== 3) return undefined;
  const keys = k.length === 4 ? k[2]! : k[1]!;
  const valueWidth = v.length === 4 ? v[1]! * v[3]! : v[2]!;
  return 2 * q[0]! * q[1]! * keys * (q[2]! + valueWidth);
}

/**
 * Counts the multiply-adds (×2) of convolutions and matrix products from a model's graph and the shapes it states
 * (inputs, outputs, initializers and value_info), which is where nearly all of a diffusion model's work lies;
 * element-wise operators, normalisations and softmax are not counted. A fused attention counts as the two matrix
 * products it replaces, so fused and unfused graphs of one model count the same work.
 */
export function countGraphWork(model: InstanceType<typeof onnx.ModelProto>): ModelWork {
  const graph = model.graph!;
  const shapes = new Map<string, Dims>();
  for (const info of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
    const dims = dimsOf(info.type);
    if (dims) shapes.set(info.name!, dims);
  }
  for (const init of graph.initializer ?? []) shapes.set(init.name!, (init.dims ?? []).map(Number));
  const byOp: Record<string, number> = {};
  let uncountedNodes = 0;
  const add = (op: string, flops: number) => (byOp[op] = (byOp[op] ?? 0) + flops);
  const attentionNodes = { fused: 0, unfused: 0 };
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    if (op === 'Softmax') attentionNodes.unfused += 1;
    if (op === 'MultiHeadAttention') {
      attentionNodes.fused += 1;
      const q = shapes.get(node.input?.[0] ?? '');
      const k = shapes.get(node.input?.[1] ?? '');
      const v = shapes.get(node.input?.[2] ?? '');
      const flops = q && k && v ? attentionFlops(q, k, v) : undefined;
      if (flops === undefined) uncountedNodes += 1;
      else add(op, flops);
      continue;
    }
    if (op !== 'Conv' && op !== 'MatMul' && op !== 'Gemm') continue;
    const a = shapes.get(node.input?.[0] ?? '');
    const b = shapes.get(node.input?.[1] ?? '');
    const y = shapes.get(node.output?.[0] ?? '');
    if (!a || !b || !y) {
      uncountedNodes += 1;
      continue;
    }
    // [..., M, K] × [..., K, N] → [..., M, N] for a matrix product.
    add(op, op === 'Conv' ? convolutionFlops(y, b) : matrixProductFlops(y, a[a.length - 1]!));
  }
  return { flops: Object.values(byOp).reduce((s, v) => s + v, 0), byOp, uncountedNodes, attentionNodes };
}

/** Work of the model stored at `path` (only the graph is read; external weight data is not loaded). */
export async function countModelWork(path: string): Promise<ModelWork> {
  return countGraphWork(onnx.ModelProto.decode(await readFile(path)));
}
