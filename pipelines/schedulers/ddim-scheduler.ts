import { gaussianNoise } from '../seeded-random.ts';
import { computeNoiseSchedule } from './betas.ts';
import { checkSameLength, checkStepIndex } from './check-step-inputs.ts';
import { roundHalfToEven, spacedTimesteps } from './timesteps.ts';
import type { BetaSchedulerConfig, Scheduler } from './types.ts';

/**
 * DDIM (Song et al. 2021) as diffusers' DDIMScheduler computes it, in float64. With eta > 0 the variance noise of
 * step i is drawn from the seeded stream `varianceNoiseSeed + i`, so a step's noise does not depend on call order.
 */
export class DdimScheduler implements Scheduler {
  readonly config: BetaSchedulerConfig;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly numInferenceSteps: number;
  readonly alphasCumprod: Float64Array;
  private readonly finalAlphaCumprod: number;
  private readonly varianceNoiseSeed: number;

  constructor(config: BetaSchedulerConfig, numInferenceSteps: number, varianceNoiseSeed = 0) {
    this.config = config;
    this.numInferenceSteps = numInferenceSteps;
    this.timesteps = spacedTimesteps(config, numInferenceSteps).map(roundHalfToEven);
    this.alphasCumprod = computeNoiseSchedule(config).alphasCumprod;
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.alphasCumprod[0];
    this.varianceNoiseSeed = varianceNoiseSeed;
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    return sample;
  }

  /** The timestep step `stepIndex` moves to; below 0 means the clean sample (final alpha). */
  previousTimestep(stepIndex: number): number {
    // diffusers steps back by the leading ratio for every spacing, so with linspace spacing the previous
    // timestep is not the next entry of `timesteps` (999 → 899 for 10 steps, not 888); kept for parity.
    return this.timesteps[stepIndex] - Math.floor(this.config.numTrainTimesteps / this.numInferenceSteps);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    checkSameLength(modelOutput, sample);
    const prev = this.previousTimestep(stepIndex);
    const alphaProd = this.alphasCumprod[this.timesteps[stepIndex]];
    const alphaProdPrev = prev >= 0 ? this.alphasCumprod[prev] : this.finalAlphaCumprod;
    const betaProd = 1 - alphaProd;
    const sqrtAlpha = Math.sqrt(alphaProd);
    const sqrtBeta = Math.sqrt(betaProd);
    const eta = this.config.eta ?? 0;
    const variance = ((1 - alphaProdPrev) / betaProd) * (1 - alphaProd / alphaProdPrev);
    const stdDev = eta * Math.sqrt(variance);
    const directionScale = Math.sqrt(1 - alphaProdPrev - stdDev * stdDev);
    const sqrtAlphaPrev = Math.sqrt(alphaProdPrev);
    const noise = eta > 0 ? gaussianNoise(this.varianceNoiseSeed + stepIndex, sample.length) : undefined;
    const prediction = this.config.predictionType;
    const clip = this.config.clipSample;
    const range = this.config.clipSampleRange ?? 1;
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i];
      const m = modelOutput[i];
      let predOriginal: number;
      let predEpsilon: number;
      if (prediction === 'epsilon') {
        predOriginal = (x - sqrtBeta * m) / sqrtAlpha;
        predEpsilon = m;
      } else if (prediction === 'sample') {
        predOriginal = m;
        predEpsilon = (x - sqrtAlpha * m) / sqrtBeta;
      } else {
        predOriginal = sqrtAlpha * x - sqrtBeta * m;
        predEpsilon = sqrtAlpha * m + sqrtBeta * x;
      }
      // Clipping changes the clean-sample estimate only; the noise direction keeps the unclipped one, as in diffusers.
      if (clip) predOriginal = Math.min(range, Math.max(-range, predOriginal));
      let prevSample = sqrtAlphaPrev * predOriginal + directionScale * predEpsilon;
      if (noise) prevSample += stdDev * noise[i];
      out[i] = prevSample;
    }
    return out;
  }
}
