import type { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, concat, geluTanh, layerNorm, layerNormPlain, linear, mul, reshape, rmsNorm, scaledDotProductAttention, sinusoidalEmbedding, silu, split, sub, transpose } from '../onnx/ops.ts';
import type { TensorRef } from '../onnx/types.ts';
import type { DitDimensions } from './types.ts';

// The building blocks of a Wan-2.1 transformer, with diffusers' parameter names and layouts (WanTransformer3DModel),
// except that linear weights are stored [in, out] as everywhere in the graph builder.

/** Rotary angles' cosines and sines per token and per rotated pair, [tokens, headDim / 2] each, row-major. */
export interface RotaryTables {
  cos: Float32Array;
  sin: Float32Array;
  tokens: number;
  pairs: number;
}

/**
 * Head dimensions given to each axis by Wan's 3D rotary embedding: height and width get 2·⌊d/6⌋ each, frames the rest
 * (diffusers' WanRotaryPosEmbed).
 */
export function rotaryAxisDims(headDim: number): { frames: number; height: number; width: number } {
  const height = 2 * Math.floor(headDim / 6);
  return { frames: headDim - 2 * height, height, width: height };
}

/**
 * Wan's 3D rotary angles for a static token grid (frames-major, then rows, then columns, as the patch embedding
 * flattens): pair i of an axis with D dimensions turns by position · θ^(−2i/D). Angles are computed in float64 and
 * rounded once, as diffusers computes its tables.
 */
export function wanRotaryTables(headDim: number, grid: readonly [number, number, number], maxSeqLen: number, theta = 10000): RotaryTables {
  const dims = rotaryAxisDims(headDim);
  const axes = [dims.frames, dims.height, dims.width];
  for (const [i, d] of axes.entries()) if (d <= 0 || d % 2 !== 0) throw new Error(`head dim ${headDim} gives rotary axis ${i} ${d} dimensions; each axis needs a positive even count`);
  for (const [i, size] of grid.entries()) if (size > maxSeqLen) throw new Error(`token grid axis ${i} has ${size} positions, more than the rotary table's ${maxSeqLen}`);
  const frequencies = axes.map((d) => Array.from({ length: d / 2 }, (_, i) => 1 / Math.pow(theta, (2 * i) / d)));
  const pairs = headDim / 2;
  const tokens = grid[0] * grid[1] * grid[2];
  const cos = new Float32Array(tokens * pairs);
  const sin = new Float32Array(tokens * pairs);
  let token = 0;
  for (let f = 0; f < grid[0]; f++) {
    for (let h = 0; h < grid[1]; h++) {
      for (let w = 0; w < grid[2]; w++) {
        const positions = [f, h, w];
        let pair = 0;
        for (const [axis, freqs] of frequencies.entries()) {
          for (const freq of freqs) {
            const angle = positions[axis]! * freq;
            cos[token * pairs + pair] = Math.cos(angle);
            sin[token * pairs + pair] = Math.sin(angle);
            pair += 1;
          }
        }
        token += 1;
      }
    }
  }
  return { cos, sin, tokens, pairs };
}

/**
 * Rotates interleaved pairs (x[2i], x[2i+1]) of every head of [N, T, heads·d] by the token's angles, the complex
 * multiplication Wan applies to queries and keys.
 */
export function applyRotary(b: GraphBuilder, x: TensorRef, heads: number, tables: RotaryTables): TensorRef {
  const [n, t, channels] = x.shape as [number, number, number];
  const pairs = channels / heads / 2;
  if (t !== tables.tokens || pairs !== tables.pairs) throw new Error(`rotary tables for ${tables.tokens} tokens × ${tables.pairs} pairs do not fit [${x.shape}] with ${heads} heads`);
  const paired = reshape(b, x, [n, t, heads, pairs, 2]);
  const [x1, x2] = split(b, paired, -1, [1, 1]) as [TensorRef, TensorRef];
  const cos = b.constant(tables.cos, [1, t, 1, pairs, 1]);
  const sin = b.constant(tables.sin, [1, t, 1, pairs, 1]);
  const real = sub(b, mul(b, x1, cos), mul(b, x2, sin));
  const imaginary = add(b, mul(b, x1, sin), mul(b, x2, cos));
  return reshape(b, concat(b, [real, imaginary], -1), [n, t, channels]);
}

/**
 * WanAttention: q, k, v projections with bias, RMSNorm over all heads on q and k, rotary on q and k (self-attention
 * only), attention, output projection (`to_out.0`). `context` makes it cross-attention.
 */
export function wanAttention(b: GraphBuilder, name: string, x: TensorRef, options: { heads: number; eps: number; context?: TensorRef; rotary?: RotaryTables }): TensorRef {
  return b.scope(name, () => {
    const channels = x.shape[2]!;
    const ctx = options.context ?? x;
    let q = rmsNorm(b, 'norm_q', linear(b, 'to_q', x, channels), options.eps);
    let k = rmsNorm(b, 'norm_k', linear(b, 'to_k', ctx, channels), options.eps);
    const v = linear(b, 'to_v', ctx, channels);
    if (options.rotary) {
      q = applyRotary(b, q, options.heads, options.rotary);
      k = applyRotary(b, k, options.heads, options.rotary);
    }
    const out = scaledDotProductAttention(b, q, k, v, { heads: options.heads });
    // A small gain keeps the residual stream's variance bounded over 30 random-weight blocks.
    return linear(b, 'to_out.0', out, channels, { gain: 0.5 });
  });
}

/** The six modulation rows of a block or the two of the output norm: a learned table plus the projected time embedding. */
export function modulation(b: GraphBuilder, name: string, conditioning: TensorRef, rows: number): TensorRef[] {
  const [n, , dim] = conditioning.shape as [number, number, number];
  const table = b.weight(name, [1, rows, dim], { kind: 'normal', std: 1 / Math.sqrt(dim) });
  return split(b, add(b, table, conditioning), 1, new Array(rows).fill(1)).map((row) => reshape(b, row, [n, 1, dim]));
}

/** norm(x)·(1 + scale) + shift. */
function modulate(b: GraphBuilder, normed: TensorRef, shift: TensorRef, scaleRow: TensorRef): TensorRef {
  return add(b, mul(b, normed, add(b, scaleRow, b.scalar(1))), shift);
}

/**
 * WanTransformerBlock: modulated self-attention with rotary, cross-attention on the projected text (after an affine
 * LayerNorm), modulated GELU-tanh feed-forward; gates scale each residual branch.
 */
export function wanBlock(b: GraphBuilder, name: string, x: TensorRef, text: TensorRef, timestepProj: TensorRef, rotary: RotaryTables, dims: DitDimensions): TensorRef {
  return b.scope(name, () => {
    const { heads, eps } = dims;
    const [shift, scaleRow, gate, ffShift, ffScale, ffGate] = modulation(b, 'scale_shift_table', timestepProj, 6) as [TensorRef, TensorRef, TensorRef, TensorRef, TensorRef, TensorRef];
    const attnIn = modulate(b, layerNormPlain(b, x, eps), shift, scaleRow);
    let h = add(b, x, mul(b, wanAttention(b, 'attn1', attnIn, { heads, eps, rotary }), gate));
    h = add(b, h, wanAttention(b, 'attn2', layerNorm(b, 'norm2', h, eps), { heads, eps, context: text }));
    const ffIn = modulate(b, layerNormPlain(b, h, eps), ffShift, ffScale);
    const ff = b.scope('ffn', () => linear(b, 'net.2', geluTanh(b, linear(b, 'net.0.proj', ffIn, dims.ffnDim)), x.shape[2]!, { gain: 0.5 }));
    return add(b, h, mul(b, ff, ffGate));
  });
}

/** Conv3d with kernel = stride = patch over [N, C, F, H, W], flattened to tokens [N, F'·H'·W', dim]. */
export function patchEmbedding(b: GraphBuilder, name: string, x: TensorRef, dim: number, patch: readonly [number, number, number]): TensorRef {
  const [n, c, f, h, w] = x.shape as [number, number, number, number, number];
  const grid = [f / patch[0], h / patch[1], w / patch[2]];
  const weight = b.weight(`${name}.weight`, [dim, c, ...patch], { kind: 'normal', std: 1 / Math.sqrt(c * patch[0] * patch[1] * patch[2]) });
  const bias = b.weight(`${name}.bias`, [dim], { kind: 'normal', std: 0.02 });
  const conv = b.op('Conv', [x, weight, bias], [n, dim, ...grid], { kernel_shape: [...patch], strides: [...patch], pads: [0, 0, 0, 0, 0, 0] });
  return transpose(b, reshape(b, conv, [n, dim, grid[0]! * grid[1]! * grid[2]!]), [0, 2, 1]);
}

/** Tokens [N, T, C·pt·ph·pw] back to the video [N, C, F, H, W] (the inverse of the patch embedding's layout). */
export function unpatchify(b: GraphBuilder, x: TensorRef, channels: number, grid: readonly [number, number, number], patch: readonly [number, number, number]): TensorRef {
  const n = x.shape[0]!;
  const [f, h, w] = grid;
  const [pt, ph, pw] = patch;
  const blocks = reshape(b, x, [n, f, h, w, pt, ph, pw, channels]);
  return reshape(b, transpose(b, blocks, [0, 7, 1, 4, 2, 5, 3, 6]), [n, channels, f * pt, h * ph, w * pw]);
}

/** WanTimeTextImageEmbedding (text-to-video): time embedding, its 6-way projection, and the projected text. */
export function conditionEmbedder(b: GraphBuilder, timestep: TensorRef, text: TensorRef, dims: DitDimensions): { temb: TensorRef; timestepProj: TensorRef; textTokens: TensorRef } {
  return b.scope('condition_embedder', () => {
    const dim = dims.heads * dims.headDim;
    const n = timestep.shape[0]!;
    const temb = b.scope('time_embedder', () => linear(b, 'linear_2', silu(b, linear(b, 'linear_1', sinusoidalEmbedding(b, timestep, dims.freqDim), dim)), dim));
    const timestepProj = reshape(b, linear(b, 'time_proj', silu(b, temb), 6 * dim), [n, 6, dim]);
    const textTokens = b.scope('text_embedder', () => linear(b, 'linear_2', geluTanh(b, linear(b, 'linear_1', text, dim)), dim));
    return { temb, timestepProj, textTokens };
  });
}
