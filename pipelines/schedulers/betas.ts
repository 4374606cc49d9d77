import type { BetaSchedule } from './types.ts';

/** Training noise schedule: betas and their cumulative products of (1 − beta), in float64. */
export interface NoiseSchedule {
  betas: Float64Array;
  alphasCumprod: Float64Array;
}

/** Settings the training noise schedule depends on. */
export interface BetaSettings {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
}

// Same point formula as numpy/torch linspace (start + i·step, last point pinned to stop) so values agree to rounding.
function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  if (count > 1) out[count - 1] = stop;
  return out;
}

export function computeBetas(settings: BetaSettings): Float64Array {
  const { numTrainTimesteps: n, betaStart, betaEnd, betaSchedule } = settings;
  if (betaSchedule === 'linear') return linspace(betaStart, betaEnd, n);
  // scaled_linear is linear in sqrt(beta): Stable Diffusion's (and LDM's) training schedule.
  const roots = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n);
  return roots.map((r) => r * r);
}

export function computeNoiseSchedule(settings: BetaSettings): NoiseSchedule {
  const betas = computeBetas(settings);
  const alphasCumprod = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i];
    alphasCumprod[i] = product;
  }
  return { betas, alphasCumprod };
}
