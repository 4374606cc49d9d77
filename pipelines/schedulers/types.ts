/**
 * Scheduler family: DDIM (AnimateDiff's default), Euler discrete (Stable Diffusion's common choice), flow-matching
 * Euler (EasyAnimate's) or UniPC in flow-prediction mode (Wan's).
 */
export type SchedulerKind = BetaSchedulerConfig['kind'] | FlowSchedulerConfig['kind'];

/** How the training noise schedule's betas grow from betaStart to betaEnd (squaredcos_cap_v2: Nichol & Dhariwal's cosine ᾱ, bounds unused). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

/** How inference timesteps are placed over the training timesteps (Lin et al. 2023, table 2). */
export type TimestepSpacing = 'leading' | 'linspace' | 'trailing';

/** What the denoiser predicts: the added noise, the velocity v = sqrt(ᾱ)·ε − sqrt(1−ᾱ)·x₀, or the clean sample x₀. */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** Scheduler settings as recorded in results; field meanings follow diffusers' scheduler configs. */
export type SchedulerConfig = BetaSchedulerConfig | FlowSchedulerConfig;

/** Settings of the samplers over a training noise schedule of betas (DDIM, Euler discrete). */
export interface BetaSchedulerConfig {
  kind: 'ddim' | 'euler';
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

/**
 * Resolution-dependent shifting (diffusers' use_dynamic_shifting): σ' = f(μ)/(f(μ) + (1/σ − 1)) with f = exp for
 * `exponential` and f(μ) = μ for `linear`, replacing the fixed shift; μ is the value the pipeline passes.
 */
export interface DynamicShift {
  timeShiftType: 'exponential' | 'linear';
  mu: number;
}

/** Flow-matching Euler (diffusers' FlowMatchEulerDiscreteScheduler): σ from 1 down to 1/numTrainTimesteps, shifted. */
export interface FlowMatchEulerConfig {
  kind: 'flow-match-euler';
  numTrainTimesteps: number;
  /** σ' = shift·σ / (1 + (shift − 1)·σ); 1 keeps the sigmas linear. */
  shift: number;
  /** When present, replaces `shift` when the inference sigmas are placed (the training table stays unshifted). */
  dynamicShift?: DynamicShift;
}

/**
 * UniPC (Zhao et al. 2023) predicting x₀ from a flow (velocity) prediction over flow sigmas, as diffusers'
 * UniPCMultistepScheduler runs with prediction_type flow_prediction, use_flow_sigmas, final sigma zero.
 */
export interface UniPcFlowConfig {
  kind: 'unipc';
  numTrainTimesteps: number;
  predictionType: 'flow_prediction';
  /** σ' = flowShift·σ / (1 + (flowShift − 1)·σ) over σ = linspace(1, 1/numTrainTimesteps). */
  flowShift: number;
  /** Order of the predictor (the corrector uses the same history); diffusers accepts 1 to 3. */
  solverOrder: 1 | 2 | 3;
  /** B(h) = e^h − 1 of the UniPC paper (diffusers' `bh1`, B(h) = h, ends in NaN at a final sigma of zero). */
  solverType: 'bh2';
  /** Lower the order on the last steps; required above order 1, as the last step goes to a zero sigma. */
  lowerOrderFinal: boolean;
  /** Step indices after which the corrector is skipped (diffusers' disable_corrector). */
  disableCorrector: number[];
}

/** Settings of the flow-matching samplers that diffusion-transformer video pipelines ship. */
export type FlowSchedulerConfig = FlowMatchEulerConfig | UniPcFlowConfig;

/**
 * A configured sampler for a fixed number of inference steps, indexed by step. Multistep samplers (UniPC) remember
 * the outputs of earlier steps, so their steps run in order from 0 (step 0 starts over).
 */
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
