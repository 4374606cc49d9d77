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
  rescaleBetasZeroSnr?: boolean;
}

// Same point formula as numpy/torch linspace (start + i·step, last point pinned to stop) so values agree to rounding.
function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  if (count > 1) out[count - 1] = stop;
  return out;
}

// Nichol & Dhariwal (2021): ᾱ(t) = cos²((t + 0.008) / 1.008 · π/2), each beta capped at 0.999 so none reaches 1.
function cosineBetas(n: number): Float64Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Float64Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

// Lin et al. (2023), algorithm 1: shift sqrt(ᾱ) so its last value is 0, scale so its first is unchanged.
function rescaleToZeroTerminalSnr(betas: Float64Array): Float64Array {
  const roots = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i];
    roots[i] = Math.sqrt(product);
  }
  const first = roots[0];
  const last = roots[roots.length - 1];
  const alphaBar = roots.map((r) => ((r - last) * (first / (first - last))) ** 2);
  return alphaBar.map((a, i) => 1 - (i === 0 ? a : a / alphaBar[i - 1]));
}

export function computeBetas(settings: BetaSettings): Float64Array {
  const betas = scheduleBetas(settings);
  return settings.rescaleBetasZeroSnr ? rescaleToZeroTerminalSnr(betas) : betas;
}

function scheduleBetas(settings: BetaSettings): Float64Array {
  const { numTrainTimesteps: n, betaStart, betaEnd, betaSchedule } = settings;
  if (betaSchedule === 'squaredcos_cap_v2') return cosineBetas(n);
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
