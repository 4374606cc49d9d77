import type { GraphBuilder } from './graph-builder.ts';
import { MICROSOFT_DOMAIN } from './graph-builder.ts';
import type { TensorRef } from './types.ts';

// Typed operator helpers with static shape inference. Weight scales follow fan-in (He/LeCun style) so a
// randomly initialised network keeps activations finite and non-degenerate through dozens of layers.

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(Math.max(da, db));
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export const add = (b: GraphBuilder, x: TensorRef, y: TensorRef) => b.op('Add', [x, y], broadcastShape(x.shape, y.shape));
export const sub = (b: GraphBuilder, x: TensorRef, y: TensorRef) => b.op('Sub', [x, y], broadcastShape(x.shape, y.shape));
export const mul = (b: GraphBuilder, x: TensorRef, y: TensorRef) => b.op('Mul', [x, y], broadcastShape(x.shape, y.shape));
export const div = (b: GraphBuilder, x: TensorRef, y: TensorRef) => b.op('Div', [x, y], broadcastShape(x.shape, y.shape));
export const scale = (b: GraphBuilder, x: TensorRef, factor: number) => mul(b, x, b.scalar(factor));
export const sigmoid = (b: GraphBuilder, x: TensorRef) => b.op('Sigmoid', [x], x.shape);
export const sqrt = (b: GraphBuilder, x: TensorRef) => b.op('Sqrt', [x], x.shape);

/** SiLU as x·sigmoid(x): ORT fuses the pair, and opset 17 has no SiLU operator. */
export function silu(b: GraphBuilder, x: TensorRef): TensorRef {
  return mul(b, x, sigmoid(b, x));
}

/**
 * Exact GELU, (x·(1 + erf(x/√2)))·0.5, in the node order PyTorch exports `F.gelu` at opset 17: ORT fuses exactly
 * this chain into one Gelu kernel, as it does in a user's exported graph (a scale by 1/√2 instead of the division
 * is left as five elementwise passes).
 */
export function gelu(b: GraphBuilder, x: TensorRef): TensorRef {
  const erf = b.op('Erf', [div(b, x, b.scalar(Math.SQRT2))], x.shape);
  return scale(b, mul(b, x, add(b, erf, b.scalar(1))), 0.5);
}

/** CLIP's quick GELU, x·sigmoid(1.702x). */
export function quickGelu(b: GraphBuilder, x: TensorRef): TensorRef {
  return mul(b, x, sigmoid(b, scale(b, x, 1.702)));
}

export function reshape(b: GraphBuilder, x: TensorRef, shape: readonly number[]): TensorRef {
  const count = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  if (count(shape) !== count(x.shape)) throw new Error(`reshape [${x.shape}] → [${shape}] changes the element count`);
  return b.op('Reshape', [x, b.int64s(shape)], shape);
}

export function transpose(b: GraphBuilder, x: TensorRef, perm: readonly number[]): TensorRef {
  return b.op('Transpose', [x], perm.map((p) => x.shape[p]!), { perm: [...perm] });
}

export function concat(b: GraphBuilder, parts: readonly TensorRef[], axis: number): TensorRef {
  if (parts.length === 1) return parts[0]!;
  const a = normAxis(axis, parts[0]!.shape.length);
  const shape = [...parts[0]!.shape];
  shape[a] = parts.reduce((s, p) => s + p.shape[a]!, 0);
  return b.op('Concat', parts, shape, { axis: a });
}

/** Splits into the given sizes along `axis` (sizes are static, so uneven chunks are fine). */
export function split(b: GraphBuilder, x: TensorRef, axis: number, sizes: readonly number[]): TensorRef[] {
  if (sizes.length === 1) return [x];
  const a = normAxis(axis, x.shape.length);
  const total = sizes.reduce((s, v) => s + v, 0);
  if (total !== x.shape[a]) throw new Error(`split sizes [${sizes}] do not cover axis ${a} of [${x.shape}]`);
  const shapes = sizes.map((size) => x.shape.map((d, i) => (i === a ? size : d)));
  return b.node('Split', [x, b.int64s(sizes)], shapes, { axis: a });
}

/** Near-equal chunk sizes: `count` chunks over `length` (fewer when the axis is shorter). */
export function chunkSizes(length: number, count: number): number[] {
  const k = Math.max(1, Math.min(count, length));
  const base = Math.floor(length / k);
  const extra = length % k;
  return Array.from({ length: k }, (_, i) => base + (i < extra ? 1 : 0));
}

export function matmul(b: GraphBuilder, x: TensorRef, y: TensorRef): TensorRef {
  const xs = x.shape;
  const ys = y.shape;
  if (xs[xs.length - 1] !== ys[ys.length - 2]) throw new Error(`matmul [${xs}] × [${ys}]: inner dimensions differ`);
  const batch = broadcastShape(xs.slice(0, -2), ys.slice(0, -2));
  return b.op('MatMul', [x, y], [...batch, xs[xs.length - 2]!, ys[ys.length - 1]!]);
}

export function softmax(b: GraphBuilder, x: TensorRef, axis = -1): TensorRef {
  return b.op('Softmax', [x], x.shape, { axis });
}

/** Dense layer over the last axis: x·W (+ bias). */
export function linear(b: GraphBuilder, name: string, x: TensorRef, outFeatures: number, options: { bias?: boolean; gain?: number } = {}): TensorRef {
  const inFeatures = x.shape[x.shape.length - 1]!;
  const weight = b.weight(`${name}.weight`, [inFeatures, outFeatures], { kind: 'normal', std: (options.gain ?? 1) / Math.sqrt(inFeatures) });
  let y = matmul(b, x, weight);
  if (options.bias ?? true) y = add(b, y, b.weight(`${name}.bias`, [outFeatures], { kind: 'normal', std: 0.02 }));
  return y;
}

export interface Conv2dOptions {
  kernel?: number;
  stride?: number;
  padding?: number;
  gain?: number;
}

export function conv2d(b: GraphBuilder, name: string, x: TensorRef, outChannels: number, options: Conv2dOptions = {}): TensorRef {
  const kernel = options.kernel ?? 3;
  const stride = options.stride ?? 1;
  const padding = options.padding ?? (kernel - 1) / 2;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const weight = b.weight(`${name}.weight`, [outChannels, c, kernel, kernel], {
    kind: 'normal',
    std: (options.gain ?? 1) / Math.sqrt(c * kernel * kernel),
  });
  const bias = b.weight(`${name}.bias`, [outChannels], { kind: 'normal', std: 0.02 });
  const outH = Math.floor((h + 2 * padding - kernel) / stride) + 1;
  const outW = Math.floor((w + 2 * padding - kernel) / stride) + 1;
  return b.op('Conv', [x, weight, bias], [n, outChannels, outH, outW], {
    kernel_shape: [kernel, kernel],
    strides: [stride, stride],
    pads: [padding, padding, padding, padding],
  });
}

/**
 * GroupNorm per sample over (C/G, H, W), exported the way PyTorch does it: reshape to [N, G, -1],
 * InstanceNormalization, reshape back, then the per-channel affine.
 */
export function groupNorm(b: GraphBuilder, name: string, x: TensorRef, groups: number, epsilon = 1e-5): TensorRef {
  const [n, c] = x.shape as [number, number];
  if (c % groups !== 0) throw new Error(`group norm ${name}: ${c} channels are not divisible into ${groups} groups`);
  const grouped = reshape(b, x, [n, groups, x.shape.slice(1).reduce((p, d) => p * d, 1) / groups]);
  const normed = b.op('InstanceNormalization', [grouped, b.constant(new Array(groups).fill(1), [groups]), b.constant(new Array(groups).fill(0), [groups])], grouped.shape, {
    epsilon: { float: epsilon },
  });
  const back = reshape(b, normed, x.shape);
  const affineShape = [c, ...x.shape.slice(2).map(() => 1)];
  const gamma = b.weight(`${name}.weight`, [c], { kind: 'normal', std: 0.05, mean: 1 });
  const beta = b.weight(`${name}.bias`, [c], { kind: 'normal', std: 0.02 });
  return add(b, mul(b, back, reshape(b, gamma, affineShape)), reshape(b, beta, affineShape));
}

export function layerNorm(b: GraphBuilder, name: string, x: TensorRef, epsilon = 1e-5): TensorRef {
  const d = x.shape[x.shape.length - 1]!;
  const gamma = b.weight(`${name}.weight`, [d], { kind: 'normal', std: 0.05, mean: 1 });
  const beta = b.weight(`${name}.bias`, [d], { kind: 'normal', std: 0.02 });
  return b.op('LayerNormalization', [x, gamma, beta], x.shape, { axis: -1, epsilon: { float: epsilon } });
}

/** Nearest-neighbour 2× upsampling of an NCHW tensor. */
export function upsampleNearest2x(b: GraphBuilder, x: TensorRef): TensorRef {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return b.op('Resize', [x, null, b.constant([1, 1, 2, 2], [4])], [n, c, h * 2, w * 2], { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' });
}

/**
 * Multi-head attention: projections, then `scaledDotProductAttention`, then the output projection. `context`
 * defaults to `x` (self-attention); `mask` [1, 1, T, S] is added to the scores (e.g. causal).
 */
export function attention(
  b: GraphBuilder,
  name: string,
  x: TensorRef,
  options: { heads: number; context?: TensorRef; mask?: TensorRef; qkvBias?: boolean },
): TensorRef {
  const channels = x.shape[2]!;
  const ctx = options.context ?? x;
  if (channels % options.heads !== 0) throw new Error(`attention ${name}: ${channels} channels are not divisible by ${options.heads} heads`);
  const bias = options.qkvBias ?? false;
  const q = linear(b, `${name}.to_q`, x, channels, { bias });
  const k = linear(b, `${name}.to_k`, ctx, channels, { bias });
  const v = linear(b, `${name}.to_v`, ctx, channels, { bias });
  const out = scaledDotProductAttention(b, q, k, v, { heads: options.heads, ...(options.mask ? { mask: options.mask } : {}) });
  return linear(b, `${name}.to_out`, out, channels);
}

/**
 * softmax(QKᵀ/√d)·V over heads of already-projected q [N, T, C], k and v [N, S, C] → [N, T, C]: ORT's fused
 * MultiHeadAttention when the builder's attention form is `fused`, else primitives ([N, heads, T, d] layout,
 * scaled QKᵀ, softmax, ·V). For models that transform q and k between projection and attention (rotary
 * embeddings, q/k norms). `mask` [1, 1, T, S] is added to the scores.
 */
export function scaledDotProductAttention(b: GraphBuilder, q: TensorRef, k: TensorRef, v: TensorRef, options: { heads: number; mask?: TensorRef }): TensorRef {
  const [n, t, channels] = q.shape as [number, number, number];
  const s = k.shape[1]!;
  const heads = options.heads;
  if (channels % heads !== 0) throw new Error(`attention: ${channels} channels are not divisible by ${heads} heads`);
  if (k.shape[2] !== channels || v.shape[2] !== channels || v.shape[1] !== s) throw new Error(`attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit`);
  const d = channels / heads;
  if (b.attention === 'fused') {
    // ORT's MultiHeadAttention: the default scale is 1/√d, and no [N, heads, T, S] score tensor is ever stored.
    const inputs = [q, k, v, ...(options.mask ? [null, null, options.mask] : [])];
    return b.op('MultiHeadAttention', inputs, [n, t, channels], { num_heads: heads }, MICROSOFT_DOMAIN);
  }
  const qh = transpose(b, reshape(b, scale(b, q, 1 / Math.sqrt(d)), [n, t, heads, d]), [0, 2, 1, 3]);
  const kt = transpose(b, reshape(b, k, [n, s, heads, d]), [0, 2, 3, 1]);
  const vh = transpose(b, reshape(b, v, [n, s, heads, d]), [0, 2, 1, 3]);
  let scores = matmul(b, qh, kt);
  if (options.mask) scores = add(b, scores, options.mask);
  const probs = softmax(b, scores, -1);
  return reshape(b, transpose(b, matmul(b, probs, vh), [0, 2, 1, 3]), [n, t, channels]);
}

/** GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch's GELU(approximate="tanh"). */
export function geluTanh(b: GraphBuilder, x: TensorRef): TensorRef {
  const cubic = mul(b, mul(b, x, x), x);
  const inner = scale(b, add(b, x, scale(b, cubic, 0.044715)), Math.sqrt(2 / Math.PI));
  const tanh = b.op('Tanh', [inner], x.shape);
  return mul(b, scale(b, x, 0.5), add(b, tanh, b.scalar(1)));
}

/** LayerNorm over the last axis with no learned scale or shift (PyTorch's elementwise_affine=False). */
export function layerNormPlain(b: GraphBuilder, x: TensorRef, epsilon: number): TensorRef {
  const d = x.shape[x.shape.length - 1]!;
  return b.op('LayerNormalization', [x, b.constant(new Array(d).fill(1), [d])], x.shape, { axis: -1, epsilon: { float: epsilon } });
}

/** RMSNorm over the last axis with a learned scale: x / √(mean(x²) + ε) · γ (opset 17 has no RMSNormalization). */
export function rmsNorm(b: GraphBuilder, name: string, x: TensorRef, epsilon: number): TensorRef {
  const d = x.shape[x.shape.length - 1]!;
  const statShape = [...x.shape.slice(0, -1), 1];
  const meanSquare = b.op('ReduceMean', [mul(b, x, x)], statShape, { axes: [-1], keepdims: 1 });
  const rms = sqrt(b, add(b, meanSquare, b.scalar(epsilon)));
  const gamma = b.weight(`${name}.weight`, [d], { kind: 'normal', std: 0.05, mean: 1 });
  return mul(b, div(b, x, rms), gamma);
}

/** Sinusoidal embedding of a [N] float tensor → [N, dim] (cos first, as diffusers' flip_sin_to_cos=True). */
export function sinusoidalEmbedding(b: GraphBuilder, positions: TensorRef, dim: number, maxPeriod = 10000): TensorRef {
  if (!Number.isInteger(dim) || dim % 2 !== 0) throw new Error(`sinusoidal embedding width must be even, got ${dim}`);
  const half = dim / 2;
  const freqs = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(maxPeriod) * i) / half));
  const n = positions.shape[0]!;
  const args = mul(b, reshape(b, positions, [n, 1]), b.constant(freqs, [1, half]));
  return concat(b, [b.op('Cos', [args], args.shape), b.op('Sin', [args], args.shape)], 1);
}

/** The same sinusoidal table as a constant [length, dim] (sin on even, cos on odd), for positional encodings. */
export function sinusoidalTable(length: number, dim: number): Float32Array {
  const table = new Float32Array(length * dim);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = p / Math.pow(10000, i / dim);
      table[p * dim + i] = Math.sin(angle);
      if (i + 1 < dim) table[p * dim + i + 1] = Math.cos(angle);
    }
  }
  return table;
}
