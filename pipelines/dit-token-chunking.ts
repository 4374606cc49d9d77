import type { UserDitSource } from './models/types.ts';
import type { TokenChunking } from './onnx/graph-chunker.ts';

/**
 * How a diffusion transformer's graphs are chunked over tokens: regions over its image tokens and, where text
 * joins the image tokens in one attention (EasyAnimate's joint attention), over both together, `chunks` slices each.
 */
export function ditTokenChunking(model: UserDitSource, chunks: number): TokenChunking {
  const { image, text } = model.denoiser.tokens;
  const joint = model.denoiser.architecture.textConditioning === 'joint-attention';
  return { tokenCounts: joint ? [image, image + text] : [image], chunks };
}
