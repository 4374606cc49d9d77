import type { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, attention, concat, conv2d, gelu, groupNorm, layerNorm, linear, mul, reshape, silu, split, transpose } from '../onnx/ops.ts';
import type { TensorRef } from '../onnx/types.ts';

// The building blocks of an SD-1.5 / AnimateDiff UNet, with diffusers' parameter layout.

/** ResnetBlock2D: norm → SiLU → conv → (+ time embedding) → norm → SiLU → conv, plus a 1×1 shortcut when channels change. */
export function resnetBlock(b: GraphBuilder, name: string, x: TensorRef, outChannels: number, groups: number, tembSilu: TensorRef | null, eps = 1e-5): TensorRef {
  return b.scope(name, () => {
    let h = conv2d(b, 'conv1', silu(b, groupNorm(b, 'norm1', x, groups, eps)), outChannels);
    if (tembSilu) {
      const t = linear(b, 'time_emb_proj', tembSilu, outChannels);
      h = add(b, h, reshape(b, t, [1, outChannels, 1, 1]));
    }
    // A small gain on the last conv keeps the residual stream's variance bounded over deep stacks.
    h = conv2d(b, 'conv2', silu(b, groupNorm(b, 'norm2', h, groups, eps)), outChannels, { gain: 0.5 });
    const shortcut = x.shape[1] === outChannels ? x : conv2d(b, 'conv_shortcut', x, outChannels, { kernel: 1 });
    return add(b, shortcut, h);
  });
}

/** GEGLU feed-forward: Linear(C → 8C), split into value and gate, value·GELU(gate), Linear(4C → C). */
export function feedForward(b: GraphBuilder, name: string, x: TensorRef): TensorRef {
  return b.scope(name, () => {
    const c = x.shape[x.shape.length - 1]!;
    const projected = linear(b, 'net.0.proj', x, 8 * c);
    const [value, gate] = split(b, projected, -1, [4 * c, 4 * c]) as [TensorRef, TensorRef];
    return linear(b, 'net.2', mul(b, value, gelu(b, gate)), c, { gain: 0.5 });
  });
}

/** Transformer2DModel (SD-1.5: conv 1×1 projections) with one BasicTransformerBlock: self-attn, cross-attn, GEGLU. */
export function spatialTransformer(b: GraphBuilder, name: string, x: TensorRef, context: TensorRef, heads: number, groups: number): TensorRef {
  return b.scope(name, () => {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const normed = groupNorm(b, 'norm', x, groups, 1e-6);
    const projected = conv2d(b, 'proj_in', normed, c, { kernel: 1 });
    let tokens = transpose(b, reshape(b, projected, [n, c, h * w]), [0, 2, 1]);
    tokens = b.scope('transformer_blocks.0', () => {
      let t = add(b, tokens, attention(b, 'attn1', layerNorm(b, 'norm1', tokens), { heads }));
      t = add(b, t, attention(b, 'attn2', layerNorm(b, 'norm2', t), { heads, context }));
      return add(b, t, feedForward(b, 'ff', layerNorm(b, 'norm3', t)));
    });
    const back = reshape(b, transpose(b, tokens, [0, 2, 1]), [n, c, h, w]);
    return add(b, x, conv2d(b, 'proj_out', back, c, { kernel: 1, gain: 0.5 }));
  });
}

/** Group statistics of a motion module's input, computed once over the whole tensor so any spatial slicing stays exact. */
export interface MotionNormStats {
  mean: TensorRef;
  rstd: TensorRef;
  batch: number;
  frames: number;
  groups: number;
}

/**
 * Per (video, group) statistics over frames × channels-in-group × space, as the motion module's GroupNorm on
 * [B, C, F, H, W] computes them, gathered from the row slices the module will run on: a first pass sums each
 * slice for the mean, a second sums each slice's squared deviation from it. Two passes keep float32 precision
 * for groups far from zero, and no temporary is larger than one slice.
 */
export function motionNormStats(b: GraphBuilder, slices: readonly TensorRef[], frames: number, groups: number, eps = 1e-6): MotionNormStats {
  const [n, c, , w] = slices[0]!.shape as [number, number, number, number];
  const batch = n / frames;
  const grouped = slices.map((x) => reshape(b, x, [batch, frames, groups, c / groups, x.shape[2]! * w]));
  const count = grouped.reduce((sum, g) => sum + frames * (c / groups) * g.shape[4]!, 0);
  const statShape = [batch, 1, groups, 1, 1];
  const total = (parts: TensorRef[]) => parts.reduce((acc, part) => add(b, acc, part));
  const sum = total(grouped.map((g) => b.op('ReduceSum', [g, b.int64s([1, 3, 4])], statShape, { keepdims: 1 })));
  const mean = mul(b, sum, b.scalar(1 / count));
  const squares = total(grouped.map((g) => b.op('ReduceSumSquare', [b.op('Sub', [g, mean], g.shape)], statShape, { axes: [1, 3, 4], keepdims: 1 })));
  const rstd = b.op('Reciprocal', [b.op('Sqrt', [add(b, mul(b, squares, b.scalar(1 / count)), b.scalar(eps))], statShape)], statShape);
  return { mean, rstd, batch, frames, groups };
}

/**
 * AnimateDiff motion module on a slice of rows [N, C, h', W]: normalise with the whole tensor's statistics,
 * attend over frames at every spatial position (two temporal self-attentions with sinusoidal positions, then GEGLU),
 * project back and add the residual.
 */
export function motionModule(b: GraphBuilder, name: string, x: TensorRef, stats: MotionNormStats, heads: number, positions: TensorRef): TensorRef {
  return b.scope(name, () => {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const { batch, frames, groups } = stats;
    const grouped = reshape(b, x, [batch, frames, groups, c / groups, h * w]);
    const normedGrouped = mul(b, b.op('Sub', [grouped, stats.mean], grouped.shape), stats.rstd);
    const gamma = b.weight('norm.weight', [c], { kind: 'normal', std: 0.05, mean: 1 });
    const beta = b.weight('norm.bias', [c], { kind: 'normal', std: 0.02 });
    const normed = add(b, mul(b, reshape(b, normedGrouped, [batch, frames, c, h * w]), reshape(b, gamma, [1, 1, c, 1])), reshape(b, beta, [1, 1, c, 1]));
    // [B, F, C, S] → [B·S, F, C]: one short sequence over frames per spatial position.
    let tokens = reshape(b, transpose(b, normed, [0, 3, 1, 2]), [batch * h * w, frames, c]);
    tokens = linear(b, 'proj_in', tokens, c);
    tokens = b.scope('transformer_blocks.0', () => {
      let t = tokens;
      for (const [i, norm] of [['attn1', 'norm1'], ['attn2', 'norm2']] as const) {
        const withPositions = add(b, layerNorm(b, norm, t), positions);
        t = add(b, t, attention(b, i, withPositions, { heads }));
      }
      return add(b, t, feedForward(b, 'ff', layerNorm(b, 'norm3', t)));
    });
    tokens = linear(b, 'proj_out', tokens, c, { gain: 0.5 });
    const back = reshape(b, transpose(b, reshape(b, tokens, [batch, h * w, frames, c]), [0, 2, 3, 1]), [n, c, h, w]);
    return add(b, x, back);
  });
}

/** Runs `body` over `chunks` slices of the given tensors along `axis` and concatenates the results (FME's feature slicer). */
export function overSlices(b: GraphBuilder, inputs: readonly TensorRef[], axis: number, sizes: readonly number[], body: (slices: TensorRef[]) => TensorRef): TensorRef {
  if (sizes.length <= 1) return body([...inputs]);
  const sliced = inputs.map((t) => split(b, t, axis, sizes));
  const outputs = sizes.map((_, i) => body(sliced.map((s) => s[i]!)));
  return concat(b, outputs, axis);
}
