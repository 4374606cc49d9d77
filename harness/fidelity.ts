/** Deviation of one video from a reference video of the same shape, both [frames, channels, H, W] in [0, 1]. */
export interface FidelityMeasurement {
  psnrDb: number;
  ssim: number;
  maxAbsError: number;
}

function gaussianWindow(size = 11, sigma = 1.5): Float64Array {
  const w = new Float64Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += w[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma));
  return w.map((v) => v / sum);
}

/** Separable Gaussian filter with 'valid' borders (as scikit-image and the SSIM paper's reference do). */
function filterValid(plane: Float64Array, height: number, width: number, window: Float64Array): { data: Float64Array; height: number; width: number } {
  const k = window.length;
  const outW = width - k + 1;
  const outH = height - k + 1;
  const rows = new Float64Array(height * outW);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += plane[y * width + x + i]! * window[i]!;
      rows[y * outW + x] = s;
    }
  }
  const out = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += rows[(y + i) * outW + x]! * window[i]!;
      out[y * outW + x] = s;
    }
  }
  return { data: out, height: outH, width: outW };
}

/** Mean SSIM of two planes (Wang et al. 2004: 11×11 Gaussian window, σ 1.5, K1 0.01, K2 0.03, data range 1). */
export function planeSsim(a: Float64Array, b: Float64Array, height: number, width: number): number {
  const window = gaussianWindow(Math.min(11, height, width % 2 === 0 ? width - 1 : width));
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const product = (x: Float64Array, y: Float64Array) => x.map((v, i) => v * y[i]!);
  const muA = filterValid(a, height, width, window);
  const muB = filterValid(b, height, width, window);
  const aa = filterValid(product(a, a), height, width, window).data;
  const bb = filterValid(product(b, b), height, width, window).data;
  const ab = filterValid(product(a, b), height, width, window).data;
  let total = 0;
  for (let i = 0; i < muA.data.length; i++) {
    const ma = muA.data[i]!;
    const mb = muB.data[i]!;
    const varA = aa[i]! - ma * ma;
    const varB = bb[i]! - mb * mb;
    const cov = ab[i]! - ma * mb;
    total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
  }
  return total / muA.data.length;
}

/** PSNR (data range 1), SSIM averaged over frames and channels, and the largest absolute difference. */
export function measureFidelity(frames: Float32Array, reference: Float32Array, shape: readonly [number, number, number, number]): FidelityMeasurement {
  if (frames.length !== reference.length) {
    throw new RangeError(`frames have ${frames.length} values but the reference has ${reference.length}`);
  }
  let squared = 0;
  let maxAbsError = 0;
  for (let i = 0; i < frames.length; i++) {
    const d = Math.abs(frames[i]! - reference[i]!);
    squared += d * d;
    if (d > maxAbsError) maxAbsError = d;
  }
  const mse = squared / frames.length;
  const [count, channels, height, width] = shape;
  const plane = height * width;
  let ssim = 0;
  for (let p = 0; p < count * channels; p++) {
    ssim += planeSsim(Float64Array.from(frames.subarray(p * plane, (p + 1) * plane)), Float64Array.from(reference.subarray(p * plane, (p + 1) * plane)), height, width);
  }
  return { psnrDb: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse), ssim: ssim / (count * channels), maxAbsError };
}
