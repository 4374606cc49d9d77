import type { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, concat, div, mul, reshape, silu, split, sqrt, transpose } from '../onnx/ops.ts';
import type { TensorRef } from '../onnx/types.ts';
import type { DitVaeGraphMode } from './types.ts';
import { DIT_VAE_IO } from './types.ts';

// The layers of a Wan-style causal 3D VAE decoder over [1, C, T, H, W]. Every temporal convolution is causal: it sees
// the two frames before each output frame, zeros before the first. Decoded a frame at a time, those two frames are
// the cache a call hands the next; decoded all at once, they are the frames before in the same tensor.

/** Frames a causal 3×3×3 convolution keeps from one call for the next. */
const CACHE_FRAMES = 2;

/**
 * Where the causal caches of one graph come from and go: every causal convolution takes the next slot in order, so
 * the three graphs of a decoder number their slots alike.
 */
export class CausalCaches {
  private slot = 0;
  constructor(readonly b: GraphBuilder, readonly mode: DitVaeGraphMode) {}

  /** The next slot: the frames before `x` (zeros at the video's start, the carried cache in the next-frame graph). */
  take(x: TensorRef): { slot: number; before: TensorRef } {
    const slot = this.slot++;
    const [n, c, , h, w] = x.shape as [number, number, number, number, number];
    const shape = [n, c, CACHE_FRAMES, h, w];
    if (this.mode === 'next-frame') return { slot, before: this.b.input(`${DIT_VAE_IO.cacheIn}${slot}`, shape) };
    return { slot, before: this.b.op('ConstantOfShape', [this.b.int64s(shape)], shape) };
  }

  /** Hands on the last frames of `padded` (cache + input) as the slot's cache, in the per-frame graphs. */
  handOn(slot: number, padded: TensorRef): void {
    if (this.mode === 'whole-video') return;
    const frames = padded.shape[2]!;
    const last = split(this.b, padded, 2, [frames - CACHE_FRAMES, CACHE_FRAMES])[1]!;
    this.b.output(last, `${DIT_VAE_IO.cacheOut}${slot}`);
  }

  /** A slot whose graph starts no cache (the first frame skips the layer); the next-frame graph still takes one. */
  skip(): void {
    this.slot += 1;
  }
}

/** Wan's RMS norm over channels at each position: x / √(mean_c x² + ε) · γ. */
export function channelRmsNorm(b: GraphBuilder, name: string, x: TensorRef, eps: number): TensorRef {
  const c = x.shape[1]!;
  const stat = [x.shape[0]!, 1, ...x.shape.slice(2)];
  const meanSquare = b.op('ReduceMean', [mul(b, x, x)], stat, { axes: [1], keepdims: 1 });
  const gamma = b.weight(`${name}.gamma`, [c, 1, 1, 1], { kind: 'normal', std: 0.05, mean: 1 });
  return mul(b, div(b, x, sqrt(b, add(b, meanSquare, b.scalar(eps)))), gamma);
}

/** A causal convolution with a temporal kernel of 3 (and `spatial`² spatially, padded to keep the size). */
export function causalConv(b: GraphBuilder, caches: CausalCaches, name: string, x: TensorRef, outChannels: number, options: { spatial?: number; gain?: number } = {}): TensorRef {
  const k = options.spatial ?? 3;
  const pad = (k - 1) / 2;
  const [n, c, t, h, w] = x.shape as [number, number, number, number, number];
  const { slot, before } = caches.take(x);
  const padded = concat(b, [before, x], 2);
  caches.handOn(slot, padded);
  const weight = b.weight(`${name}.weight`, [outChannels, c, CACHE_FRAMES + 1, k, k], { kind: 'normal', std: (options.gain ?? 1) / Math.sqrt(c * (CACHE_FRAMES + 1) * k * k) });
  const bias = b.weight(`${name}.bias`, [outChannels], { kind: 'normal', std: 0.02 });
  return b.op('Conv', [padded, weight, bias], [n, outChannels, t, h, w], { kernel_shape: [CACHE_FRAMES + 1, k, k], pads: [0, pad, pad, 0, pad, pad] });
}

/** Wan's residual block: (RMS norm, SiLU, causal conv) twice, plus the input. */
export function residualBlock(b: GraphBuilder, caches: CausalCaches, name: string, x: TensorRef, eps: number): TensorRef {
  return b.scope(name, () => {
    const c = x.shape[1]!;
    const h = causalConv(b, caches, 'residual.2', silu(b, channelRmsNorm(b, 'residual.0', x, eps)), c);
    return add(b, x, causalConv(b, caches, 'residual.6', silu(b, channelRmsNorm(b, 'residual.3', h, eps)), c, { gain: 0.5 }));
  });
}

/** A causal 3×1×1 convolution to twice the channels, whose halves become two frames per frame (Wan's upsample3d). */
function doubleFrames(b: GraphBuilder, caches: CausalCaches, x: TensorRef): TensorRef {
  const [n, c, t, h, w] = x.shape as [number, number, number, number, number];
  const both = causalConv(b, caches, 'time_conv', x, 2 * c, { spatial: 1 });
  const interleaved = transpose(b, reshape(b, both, [n, 2, c, t, h, w]), [0, 2, 3, 1, 4, 5]);
  return reshape(b, interleaved, [n, c, 2 * t, h, w]);
}

/**
 * ×2 in time for every frame but the video's first (which the first-frame graph passes through, leaving this
 * layer's cache to start as zeros), then ×2 nearest in space and a 3×3 convolution to `outChannels`.
 */
export function upsample(b: GraphBuilder, caches: CausalCaches, name: string, x: TensorRef, outChannels: number, temporal: boolean): TensorRef {
  return b.scope(name, () => {
    let y = x;
    if (temporal && caches.mode === 'first-frame') caches.skip();
    else if (temporal && caches.mode === 'next-frame') y = doubleFrames(b, caches, x);
    else if (temporal) {
      const frames = x.shape[2]!;
      if (frames === 1) caches.skip();
      else {
        const [first, rest] = split(b, x, 2, [1, frames - 1]) as [TensorRef, TensorRef];
        y = concat(b, [first, doubleFrames(b, caches, rest)], 2);
      }
    }
    const [n, c, t, h, w] = y.shape as [number, number, number, number, number];
    const wider = b.op('Resize', [y, null, b.constant([1, 1, 1, 2, 2], [5])], [n, c, t, 2 * h, 2 * w], { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' });
    const weight = b.weight('resample.1.weight', [outChannels, c, 1, 3, 3], { kind: 'normal', std: 1 / Math.sqrt(c * 9) });
    const bias = b.weight('resample.1.bias', [outChannels], { kind: 'normal', std: 0.02 });
    return b.op('Conv', [wider, weight, bias], [n, outChannels, t, 2 * h, 2 * w], { kernel_shape: [1, 3, 3], pads: [0, 1, 1, 0, 1, 1] });
  });
}
