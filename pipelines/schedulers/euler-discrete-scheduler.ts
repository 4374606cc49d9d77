import { computeNoiseSchedule } from './betas.ts';
import { checkSameLength, checkStepIndex } from './check-step-inputs.ts';
import { spacedTimesteps } from './timesteps.ts';
import type { BetaSchedulerConfig, Scheduler } from './types.ts';

// np.interp over the integer grid 0..n-1, clamped at both ends as numpy clamps.
function interpolate(values: Float64Array, position: number): number {
  if (position <= 0) return values[0];
  if (position >= values.length - 1) return values[values.length - 1];
  const lower = Math.floor(position);
  const fraction = position - lower;
  return values[lower] + fraction * (values[lower + 1] - values[lower]);
}

// diffusers' _sigma_to_t: the fractional training timestep whose log-sigma matches, interpolated between neighbours.
function sigmaToTimestep(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const w = Math.min(1, Math.max(0, (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1])));
  return (1 - w) * low + w * (low + 1);
}

// diffusers maps Karras sigmas back to timesteps through log-sigmas of its float32 training tables; the float32
// cancellation in 1 − ᾱ near t = 0 moves those timesteps visibly, so the tables are rebuilt in float32 here.
function float32LogSigmas(betas: Float64Array, zeroSnr: boolean): Float64Array {
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product = Math.fround(product * Math.fround(1 - Math.fround(betas[i])));
    const alphaBar = zeroSnr && i === betas.length - 1 ? ZERO_SNR_LAST_ALPHA_BAR : product;
    out[i] = Math.fround(Math.log(Math.fround(Math.sqrt(Math.fround(Math.fround(1 - alphaBar) / alphaBar)))));
  }
  return out;
}

// With zero terminal SNR the last ᾱ is 0 and its sigma infinite; diffusers' Euler puts 2⁻²⁴ there instead.
const ZERO_SNR_LAST_ALPHA_BAR = 2 ** -24;

// Karras et al. (2022) eq. 5 with ρ = 7, as float32 like diffusers stores it.
function karrasSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const minInv = sigmaMin ** (1 / 7);
  const maxInv = sigmaMax ** (1 / 7);
  return Array.from({ length: count }, (_, i) => Math.fround((maxInv + (count > 1 ? i / (count - 1) : 0) * (minInv - maxInv)) ** 7));
}

/**
 * Euler discrete sampler (Karras et al. 2022, algorithm 2 without churn) as diffusers' EulerDiscreteScheduler
 * computes it with linear sigma interpolation and a final sigma of zero, in float64.
 */
export class EulerDiscreteScheduler implements Scheduler {
  readonly config: BetaSchedulerConfig;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma: number;
  readonly numInferenceSteps: number;
  /** Noise level per step, plus a trailing 0 for the clean sample. */
  readonly sigmas: readonly number[];

  constructor(config: BetaSchedulerConfig, numInferenceSteps: number) {
    this.config = config;
    this.numInferenceSteps = numInferenceSteps;
    const { alphasCumprod, betas } = computeNoiseSchedule(config);
    const zeroSnr = config.rescaleBetasZeroSnr === true;
    if (zeroSnr) alphasCumprod[alphasCumprod.length - 1] = ZERO_SNR_LAST_ALPHA_BAR;
    const trainSigmas = alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
    // diffusers keeps Euler timesteps as float32; the UNet sees these values.
    const spaced = spacedTimesteps(config, numInferenceSteps).map((t) => Math.fround(t));
    const interpolated = spaced.map((t) => interpolate(trainSigmas, t));
    const stepSigmas = config.karrasSigmas
      ? karrasSigmas(config.karrasSigmas.sigmaMin ?? interpolated[interpolated.length - 1], config.karrasSigmas.sigmaMax ?? interpolated[0], numInferenceSteps)
      : interpolated;
    const logSigmas = float32LogSigmas(betas, zeroSnr);
    this.timesteps =
      config.timestepType === 'continuous'
        ? stepSigmas.map((s) => Math.fround(0.25 * Math.fround(Math.log(s))))
        : config.karrasSigmas
          ? stepSigmas.map((s) => Math.fround(sigmaToTimestep(s, logSigmas)))
          : spaced;
    this.sigmas = [...stepSigmas, config.finalSigmasType === 'sigma_min' ? trainSigmas[0] : 0];
    const maxSigma = Math.max(...this.sigmas);
    // Leading spacing never reaches the last training timestep, so diffusers scales by sqrt(σ² + 1) there.
    this.initNoiseSigma = config.timestepSpacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    const sigma = this.sigmas[stepIndex];
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) out[i] = sample[i] * scale;
    return out;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    checkSameLength(modelOutput, sample);
    const sigma = this.sigmas[stepIndex];
    const dt = this.sigmas[stepIndex + 1] - sigma;
    const prediction = this.config.predictionType;
    const vOutputScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const vSampleScale = 1 / (sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i];
      const m = modelOutput[i];
      const predOriginal = prediction === 'epsilon' ? x - sigma * m : prediction === 'sample' ? m : m * vOutputScale + x * vSampleScale;
      const derivative = (x - predOriginal) / sigma;
      out[i] = x + derivative * dt;
    }
    return out;
  }
}
