import { checkSameLength, checkStepIndex } from './check-step-inputs.ts';
import { dynamicShiftSigma, linspace64, shiftSigma } from './flow-sigmas.ts';
import { checkInferenceSteps } from './timesteps.ts';
import type { FlowMatchEulerConfig, Scheduler } from './types.ts';

// The smallest training sigma as diffusers' constructor leaves it: its float32 table 1/N..1, shifted in float32
// unless the shift is dynamic. The inference sigmas run from 1 down to this value.
function float32SigmaMin(config: FlowMatchEulerConfig): number {
  const base = Math.fround(1 / config.numTrainTimesteps);
  if (config.dynamicShift) return base;
  const shift = Math.fround(config.shift);
  return Math.fround(Math.fround(shift * base) / Math.fround(1 + Math.fround(Math.fround(config.shift - 1) * base)));
}

/**
 * Euler steps along a flow-matching ODE, x ← x + (σ_next − σ)·v, as diffusers' FlowMatchEulerDiscreteScheduler
 * (deterministic sampling). Sigmas are placed in float64 and stored as float32, and the model sees σ·N as its
 * (fractional) timestep, as there.
 */
export class FlowMatchEulerScheduler implements Scheduler {
  readonly config: FlowMatchEulerConfig;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly numInferenceSteps: number;
  /** Noise level per step, plus a trailing 0 for the clean sample. */
  readonly sigmas: readonly number[];

  constructor(config: FlowMatchEulerConfig, numInferenceSteps: number) {
    checkInferenceSteps(numInferenceSteps, config.numTrainTimesteps);
    this.config = config;
    this.numInferenceSteps = numInferenceSteps;
    const total = config.numTrainTimesteps;
    // diffusers spaces timesteps between σ_max·N and σ_min·N and divides by N again, so the division is kept.
    const unshifted = linspace64(total, float32SigmaMin(config) * total, numInferenceSteps).map((t) => t / total);
    const stepSigmas = unshifted.map((s) =>
      Math.fround(config.dynamicShift ? dynamicShiftSigma(s, config.dynamicShift) : shiftSigma(s, config.shift)),
    );
    this.timesteps = stepSigmas.map((s) => Math.fround(s * total));
    this.sigmas = [...stepSigmas, 0];
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    return sample;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    checkSameLength(modelOutput, sample);
    const dt = Math.fround(this.sigmas[stepIndex + 1] - this.sigmas[stepIndex]);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) out[i] = sample[i] + dt * modelOutput[i];
    return out;
  }
}
