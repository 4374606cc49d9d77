/** Scheduler family: DDIM (AnimateDiff's default) or Euler discrete (Stable Diffusion's common choice). */
export type SchedulerKind = 'ddim' | 'euler';

/** How the training noise schedule's betas grow from betaStart to betaEnd (squaredcos_cap_v2: Nichol & Dhariwal's cosine ᾱ, bounds unused). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

/** How inference timesteps are placed over the training timesteps (Lin et al. 2023, table 2). */
export type TimestepSpacing = 'leading' | 'linspace' | 'trailing';

/** What the denoiser predicts: the added noise, the velocity v = sqrt(ᾱ)·ε − sqrt(1−ᾱ)·x₀, or the clean sample x₀. */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** Scheduler settings as recorded in results; field meanings follow diffusers' scheduler configs. */
export interface SchedulerConfig {
  kind: SchedulerKind;
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  predictionType: PredictionType;
  clipSample: boolean;
  setAlphaToOne: boolean;
  eta?: number;
  /** Lin et al. (2023): betas rescaled so the last training timestep has zero signal-to-noise ratio. */
  rescaleBetasZeroSnr?: boolean;
  /** DDIM only: the bound clipSample clips the predicted clean sample to (default 1). */
  clipSampleRange?: number;
  /**
   * Euler only: Karras et al.'s ρ = 7 sigma ramp between these bounds instead of the training sigmas at the spaced
   * timesteps; a bound left out is the spaced training sigmas' own (smallest, largest).
   */
  karrasSigmas?: { sigmaMin?: number; sigmaMax?: number };
  /** Euler only: the noise level after the last step, zero (default) or the smallest training sigma. */
  finalSigmasType?: 'zero' | 'sigma_min';
  /** Euler only: `continuous` feeds the UNet 0.25·ln σ (EDM preconditioning, as SVD) instead of a training timestep. */
  timestepType?: 'discrete' | 'continuous';
}

/** A configured sampler for a fixed number of inference steps; stateless between calls, indexed by step. */
export interface Scheduler {
  readonly config: SchedulerConfig;
  /** Model timesteps, one per inference step, in the order they are visited (descending). */
  readonly timesteps: readonly number[];
  /** Standard deviation the initial Gaussian latents are multiplied by. */
  readonly initNoiseSigma: number;
  /** Scales the latents before they enter the denoiser at `stepIndex` (identity for DDIM). */
  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array;
  /** Advances `sample` from step `stepIndex` to the next one given the denoiser's output. */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array;
}

/** Options that do not belong in the recorded config. */
export interface CreateSchedulerOptions {
  /** Seed of the variance noise DDIM adds when eta > 0 (default 0). */
  varianceNoiseSeed?: number;
}
