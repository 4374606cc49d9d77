import { computeNoiseSchedule } from './betas.ts';
import { checkSameLength, checkStepIndex } from './check-step-inputs.ts';
import { spacedTimesteps } from './timesteps.ts';
import type { Scheduler, SchedulerConfig } from './types.ts';

// np.interp over the integer grid 0..n-1, clamped at both ends as numpy clamps.
function interpolate(values: Float64Array, position: number): number {
  if (position <= 0) return values[0];
  if (position >= values.length - 1) return values[values.length - 1];
  const lower = Math.floor(position);
  const fraction = position - lower;
  return values[lower] + fraction * (values[lower + 1] - values[lower]);
}

/**
 * Euler discrete sampler (Karras et al. 2022, algorithm 2 without churn) as diffusers' EulerDiscreteScheduler
 * computes it with linear sigma interpolation and a final sigma of zero, in float64.
 */
export class EulerDiscreteScheduler implements Scheduler {
  readonly config: SchedulerConfig;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma: number;
  readonly numInferenceSteps: number;
  /** Noise level per step, plus a trailing 0 for the clean sample. */
  readonly sigmas: readonly number[];

  constructor(config: SchedulerConfig, numInferenceSteps: number) {
    this.config = config;
    this.numInferenceSteps = numInferenceSteps;
    // diffusers keeps Euler timesteps as float32; the UNet sees these values.
    this.timesteps = spacedTimesteps(config, numInferenceSteps).map((t) => Math.fround(t));
    const { alphasCumprod } = computeNoiseSchedule(config);
    const trainSigmas = alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
    this.sigmas = [...this.timesteps.map((t) => interpolate(trainSigmas, t)), 0];
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
    const isEpsilon = this.config.predictionType === 'epsilon';
    const vOutputScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const vSampleScale = 1 / (sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i];
      const m = modelOutput[i];
      const predOriginal = isEpsilon ? x - sigma * m : m * vOutputScale + x * vSampleScale;
      const derivative = (x - predOriginal) / sigma;
      out[i] = x + derivative * dt;
    }
    return out;
  }
}
