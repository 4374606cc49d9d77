// The inputs diffusers' AnimateDiff and Stable Video Diffusion pipelines build around their models, for user models:
// typed tensors by a graph's stated element type, context rows, SVD's micro-conditioning and per-frame guidance.
import { HarnessError } from './harness-error.ts';
import type { UserModelSource, UserModelTensor } from './models/types.ts';
import type { OrtTensor } from './ort-backend.ts';
import { floatTensor, int32Tensor, int64Tensor } from './ort-backend.ts';
import { createSeededRandom } from './seeded-random.ts';

/** A graph input's fixed dimensions, with `fallback` for any symbolic or unknown one. */
export function staticShape(tensor: UserModelTensor, fallback: readonly number[]): number[] {
  const shape = tensor.shape ?? fallback;
  return shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : fallback[i] ?? 1));
}

/** The UNet's batch: 2 for a graph exported with classifier-free guidance (the default where it is free), else 1. */
export function unetBatch(model: UserModelSource): number {
  return staticShape(model.unet.inputs.sample, [2])[0]!;
}

/** Values as a tensor of the element type the graph states for `tensor` (float32, int64 or int32). */
export function typedTensor(tensor: UserModelTensor, values: ArrayLike<number>, dims: readonly number[]): OrtTensor {
  switch (tensor.elementType) {
    case 'float32':
    case 'unknown':
      return floatTensor(Float32Array.from(values), dims);
    case 'int64':
      return int64Tensor(BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), dims);
    case 'int32':
      return int32Tensor(Int32Array.from(Array.from(values, (v) => Math.round(v))), dims);
    default:
      throw new HarnessError('unsupported-onnx', `input "${tensor.name}" is ${tensor.elementType}; lightbench feeds float32, int64 or int32 inputs`);
  }
}

/** `rows` blocks of `perRow` values: each source row repeated `repeat` times in place (torch's repeat_interleave). */
export function repeatRows(rows: readonly Float32Array[], repeat: number): Float32Array {
  const perRow = rows[0]!.length;
  const out = new Float32Array(rows.length * repeat * perRow);
  rows.forEach((row, r) => {
    for (let k = 0; k < repeat; k++) out.set(row, (r * repeat + k) * perRow);
  });
  return out;
}

/** SVD's added_time_ids rows: [fps − 1, motion bucket, noise augmentation strength] per batch row. */
export function addedTimeIds(conditioning: { fps: number; motionBucketId: number; noiseAugStrength: number }, batch: number): number[] {
  const row = [conditioning.fps - 1, conditioning.motionBucketId, conditioning.noiseAugStrength];
  return Array.from({ length: batch }, () => row).flat();
}

/** Guidance per frame: constant, or SVD's linear ramp from the first scale to the last over the frames. */
export function frameGuidance(first: number, last: number | null, frames: number): number[] {
  if (last === null || frames === 1) return Array.from({ length: frames }, () => first);
  return Array.from({ length: frames }, (_, f) => Math.fround(first + ((last - first) * f) / (frames - 1)));
}

/**
 * Classifier-free guidance over a [unconditional; conditional] batch with a scale per frame; `frameOf` maps a
 * flat index within one video to its frame (the layout decides it).
 */
export function guideFrames(batched: Float32Array, scales: readonly number[], frameOf: (index: number) => number): Float32Array {
  const half = batched.length / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const uncond = batched[i]!;
    out[i] = uncond + scales[frameOf(i)]! * (batched[half + i]! - uncond);
  }
  return out;
}

/** A reproducible conditioning image, planar [3, height, width], of 8-bit values / 255 (as a decoded PNG gives). */
export function seededImage(seed: number, height: number, width: number): Float32Array {
  const random = createSeededRandom(seed);
  return Float32Array.from({ length: 3 * height * width }, () => (random.nextUint32() & 255) / 255);
}
