import { HarnessError } from '../harness-error.ts';

/** uncond + scale·(cond − uncond), element-wise (Ho & Salimans 2022), computed in float64. */
export function combineGuidance(uncond: Float32Array, cond: Float32Array, guidanceScale: number): Float32Array {
  if (!Number.isFinite(guidanceScale)) {
    throw new HarnessError('bad-guidance', `guidance scale must be a finite number, got ${guidanceScale}`);
  }
  if (uncond.length !== cond.length) {
    throw new HarnessError(
      'bad-guidance',
      `unconditional prediction has ${uncond.length} values but the conditional one has ${cond.length}`,
    );
  }
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + guidanceScale * (cond[i] - uncond[i]);
  return out;
}

/**
 * Guidance over one denoiser output whose batch is [unconditional; conditional], as diffusers' pipelines lay it
 * out (`noise_pred.chunk(2)`): returns the guided first half's shape.
 */
export function applyClassifierFreeGuidance(batchedPrediction: Float32Array, guidanceScale: number): Float32Array {
  if (batchedPrediction.length % 2 !== 0) {
    throw new HarnessError(
      'bad-guidance',
      `a guided batch holds an unconditional and a conditional half, but its length ${batchedPrediction.length} is odd`,
    );
  }
  const half = batchedPrediction.length / 2;
  return combineGuidance(batchedPrediction.subarray(0, half), batchedPrediction.subarray(half), guidanceScale);
}
