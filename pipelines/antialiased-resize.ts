// diffusers' `_resize_with_antialiasing` (the Stable Video Diffusion pipeline's resize before CLIP): a Gaussian blur
// whose width follows the scale factor, then PyTorch's bicubic interpolation with align_corners=True. Kernels,
// source indices, cubic weights and intermediate images are float32 as PyTorch's tensors are, so its index mapping
// is reproduced exactly; sums run in float64, since the order and multiply-add fusion of PyTorch's compiled float32
// kernels vary by build, which leaves a gap of a few float32 ulps.
import { HarnessError } from './harness-error.ts';

const CUBIC_A = -0.75;

/** Resizes planar float32 data [channels, height, width] to [channels, outHeight, outWidth]. */
export function resizeWithAntialiasing(
  data: Float32Array,
  channels: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  // skimage's sigma for the scale factor; upscaling gets a near-zero sigma, i.e. a blur that changes nothing.
  const sigmaY = Math.max((height / outHeight - 1) / 2, 0.001);
  const sigmaX = Math.max((width / outWidth - 1) / 2, 0.001);
  const blurredX = blurAlongAxis(data, channels, height, width, gaussianKernel(sigmaX), 'x');
  const blurred = blurAlongAxis(blurredX, channels, height, width, gaussianKernel(sigmaY), 'y');
  return bicubicAlignCorners(blurred, channels, height, width, outHeight, outWidth);
}

/** Normalised float32 Gaussian of diffusers' size rule: two sigmas each side, at least 3 taps, always odd. */
function gaussianKernel(sigma: number): Float32Array {
  const truncated = Math.trunc(Math.max(4 * sigma, 3));
  const size = truncated % 2 === 0 ? truncated + 1 : truncated;
  const twoSigmaSquared = Math.fround(2 * Math.fround(Math.fround(sigma) ** 2));
  const half = Math.floor(size / 2);
  const taps = Float32Array.from({ length: size }, (_, j) => Math.exp(-((j - half) ** 2) / twoSigmaSquared));
  const sum = taps.reduce((total, tap) => total + tap, 0);
  return taps.map((tap) => tap / sum);
}

/** One pass of a separable blur with reflect padding (edge pixel not repeated), as torch's pad(mode='reflect'). */
function blurAlongAxis(data: Float32Array, channels: number, height: number, width: number, kernel: Float32Array, axis: 'x' | 'y'): Float32Array {
  const length = axis === 'x' ? width : height;
  const pad = (kernel.length - 1) / 2;
  if (pad >= length) {
    throw new HarnessError('image-too-small', `a ${height}×${width} image is too small for a ${kernel.length}-tap blur along ${axis}`);
  }
  const reflect = (i: number): number => (i < 0 ? -i : i >= length ? 2 * (length - 1) - i : i);
  const step = axis === 'x' ? 1 : width;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const row = c * height * width + y * width + x;
        const position = axis === 'x' ? x : y;
        const start = row - position * step;
        let sum = 0;
        for (let j = 0; j < kernel.length; j++) sum += kernel[j]! * data[start + reflect(position - pad + j) * step]!;
        out[row] = sum;
      }
    }
  }
  return out;
}

/** For each output index along one axis: the first of its four source taps and their cubic weights. */
interface CubicTaps {
  first: Int32Array;
  weights: Float32Array;
}

function cubicTaps(inputSize: number, outputSize: number): CubicTaps {
  const scale = outputSize > 1 ? Math.fround((inputSize - 1) / (outputSize - 1)) : 0;
  const first = new Int32Array(outputSize);
  const weights = new Float32Array(outputSize * 4);
  for (let i = 0; i < outputSize; i++) {
    const source = Math.fround(scale * i);
    const index = Math.min(Math.floor(source), inputSize - 1);
    const t = Math.min(Math.max(source - index, 0), 1);
    first[i] = index - 1;
    weights.set([cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)], i * 4);
  }
  return { first, weights };
}

// Keys' cubic convolution kernel for |x| ≤ 1 and 1 < |x| < 2.
function cubicNear(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

/** torch.nn.functional.interpolate(mode='bicubic', align_corners=True): taps past a border read the border pixel. */
function bicubicAlignCorners(data: Float32Array, channels: number, height: number, width: number, outHeight: number, outWidth: number): Float32Array {
  const rows = cubicTaps(height, outHeight);
  const columns = cubicTaps(width, outWidth);
  const clamp = (i: number, size: number): number => Math.min(Math.max(i, 0), size - 1);
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        let sum = 0;
        for (let ty = 0; ty < 4; ty++) {
          const rowStart = plane + clamp(rows.first[oy]! + ty, height) * width;
          let rowSum = 0;
          for (let tx = 0; tx < 4; tx++) {
            rowSum += columns.weights[ox * 4 + tx]! * data[rowStart + clamp(columns.first[ox]! + tx, width)]!;
          }
          sum += rows.weights[oy * 4 + ty]! * rowSum;
        }
        out[(c * outHeight + oy) * outWidth + ox] = sum;
      }
    }
  }
  return out;
}
