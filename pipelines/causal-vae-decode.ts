// Decoding a video-VAE's latents [channels, frames, h, w] into frames [frames, 3, H, W] in [0, 1]: all latent
// frames in one call, or frame by frame through a causal decoder that hands its cache from call to call.
import type { UserCausalFrames } from './models/types.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat } from './ort-backend.ts';
import { staticShape } from './user-conditioning.ts';

/** Decoded frames in [0, 1] and their shape [frames, 3, H, W]. */
export interface DecodedFrames {
  output: Float32Array;
  shape: [number, number, number, number];
}

/** Appends a decoder output [1, 3, T, H, W] in [-1, 1] as T frames [3, H, W] in [0, 1]. */
function appendFrames(frames: Float32Array[], pixels: Float32Array, dims: readonly number[]): { height: number; width: number } {
  const [, , count, height, width] = dims as [number, number, number, number, number];
  const plane = height * width;
  for (let t = 0; t < count; t++) {
    const frame = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const from = (c * count + t) * plane;
      for (let p = 0; p < plane; p++) frame[c * plane + p] = Math.min(1, Math.max(0, pixels[from + p]! / 2 + 0.5));
    }
    frames.push(frame);
  }
  return { height, width };
}

function joinFrames(frames: Float32Array[], size: { height: number; width: number }): DecodedFrames {
  const per = frames[0]!.length;
  const output = new Float32Array(frames.length * per);
  frames.forEach((frame, f) => output.set(frame, f * per));
  return { output, shape: [frames.length, 3, size.height, size.width] };
}

/** One latent frame f of latents [channels, frames, h, w], as [1, channels, 1, h, w]. */
function latentFrame(latents: Float32Array, channels: number, frames: number, f: number): Float32Array {
  const plane = latents.length / (channels * frames);
  const out = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) out.set(latents.subarray((c * frames + f) * plane, (c * frames + f + 1) * plane), c * plane);
  return out;
}

/** All latent frames in one call of the whole-video decoder. */
export async function decodeAllFrames(decoder: ModelSession, names: { latents: string; sample: string }, latents: Float32Array, dims: [number, number, number, number]): Promise<DecodedFrames> {
  const out = await decoder.run({ [names.latents]: floatTensor(latents, [1, ...dims]) });
  const tensor = out[names.sample]!;
  const frames: Float32Array[] = [];
  const size = appendFrames(frames, await readFloat(tensor), tensor.dims);
  return joinFrames(frames, size);
}

/**
 * The first latent frame through the first-frame graph, each later one through the next-frame graph with the
 * cache the previous call handed on (slots the first frame leaves unset start as zeros), as the causal VAE
 * decodes frame by frame.
 */
export async function decodeCausalFrames(first: ModelSession, next: ModelSession, causal: UserCausalFrames, latents: Float32Array, dims: [number, number, number, number]): Promise<DecodedFrames> {
  const [channels, count, height, width] = dims;
  const frames: Float32Array[] = [];
  let size = { height: 0, width: 0 };
  let cache: OrtTensor[] = [];
  for (let f = 0; f < count; f++) {
    const frame = floatTensor(latentFrame(latents, channels, count, f), [1, channels, 1, height, width]);
    if (f === 0) {
      const out = await first.run({ [causal.firstFrame.inputs.latents.name]: frame });
      size = appendFrames(frames, await readFloat(out[causal.firstFrame.outputs.sample.name]!), out[causal.firstFrame.outputs.sample.name]!.dims);
      cache = causal.firstFrame.cacheOutputs.map((slot, i) => {
        if (slot) return out[slot.name]!;
        const shape = staticShape(causal.nextFrame.cacheInputs[i]!, [1]);
        return floatTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      });
    } else {
      const feeds: Record<string, OrtTensor> = { [causal.nextFrame.inputs.latents.name]: frame };
      causal.nextFrame.cacheInputs.forEach((slot, i) => (feeds[slot.name] = cache[i]!));
      const out = await next.run(feeds);
      appendFrames(frames, await readFloat(out[causal.nextFrame.outputs.sample.name]!), out[causal.nextFrame.outputs.sample.name]!.dims);
      cache = causal.nextFrame.cacheOutputs.map((slot) => out[slot.name]!);
    }
  }
  return joinFrames(frames, size);
}
