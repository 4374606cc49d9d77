import type { DiffusersOptions } from './diffusers-options.ts';
import type { SchedulerConfig } from './types.ts';

// Translations of diffusers' DDIMScheduler and EulerDiscreteScheduler configs (diffusers 0.42 constructor options
// and defaults). Every option each constructor accepts is read here: implemented, or refused naming it.

const BETA_SCHEDULES = ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const;
const SPACINGS = ['linspace', 'leading', 'trailing'] as const;

function common(options: DiffusersOptions) {
  options.refuseUnless('trained_betas', null, 'betas given as a list; use beta_schedule');
  return {
    numTrainTimesteps: options.integer('num_train_timesteps', 1000),
    betaStart: options.number('beta_start', 0.0001),
    betaEnd: options.number('beta_end', 0.02),
    betaSchedule: options.choice('beta_schedule', 'linear', BETA_SCHEDULES),
    stepsOffset: options.integer('steps_offset', 0),
    rescaleBetasZeroSnr: options.boolean('rescale_betas_zero_snr', false),
  };
}

export function translateDdim(options: DiffusersOptions): SchedulerConfig {
  const base = common(options);
  options.refuseUnless('thresholding', false, 'dynamic thresholding of the predicted sample is not implemented');
  options.unused('dynamic_thresholding_ratio');
  options.unused('sample_max_value');
  const clipSampleRange = options.number('clip_sample_range', 1);
  return {
    kind: 'ddim',
    ...base,
    timestepSpacing: options.choice('timestep_spacing', 'leading', SPACINGS),
    predictionType: options.choice('prediction_type', 'epsilon', ['epsilon', 'v_prediction', 'sample']),
    clipSample: options.boolean('clip_sample', true),
    setAlphaToOne: options.boolean('set_alpha_to_one', true),
    // eta is an argument of the pipeline call, not of the config; diffusers' video pipelines leave it at 0.
    eta: 0,
    ...(clipSampleRange !== 1 ? { clipSampleRange } : {}),
  };
}

export function translateEulerDiscrete(options: DiffusersOptions): SchedulerConfig {
  const base = common(options);
  // diffusers treats 'original_sample' as 'sample'.
  const prediction = options.choice('prediction_type', 'epsilon', ['epsilon', 'v_prediction', 'sample', 'original_sample']);
  const predictionType = prediction === 'original_sample' ? 'sample' : prediction;
  options.choice('interpolation_type', 'linear', ['linear']);
  options.refuseUnless('use_exponential_sigmas', false, 'exponential sigma spacing is not implemented; use_karras_sigmas is');
  options.refuseUnless('use_beta_sigmas', false, 'beta-distributed sigma spacing is not implemented; use_karras_sigmas is');
  const karras = options.boolean('use_karras_sigmas', false);
  const sigmaMin = options.optionalNumber('sigma_min');
  const sigmaMax = options.optionalNumber('sigma_max');
  // diffusers applies continuous timesteps only together with v_prediction and ignores the option otherwise.
  const timestepType = options.choice('timestep_type', 'discrete', ['discrete', 'continuous']);
  const finalSigmasType = options.choice('final_sigmas_type', 'zero', ['zero', 'sigma_min']);
  return {
    kind: 'euler',
    ...base,
    timestepSpacing: options.choice('timestep_spacing', 'linspace', SPACINGS),
    predictionType,
    // Not Euler settings; recorded as false.
    clipSample: false,
    setAlphaToOne: false,
    ...(karras ? { karrasSigmas: { ...(sigmaMin !== null ? { sigmaMin } : {}), ...(sigmaMax !== null ? { sigmaMax } : {}) } } : {}),
    ...(timestepType === 'continuous' && predictionType === 'v_prediction' ? { timestepType } : {}),
    ...(finalSigmasType !== 'zero' ? { finalSigmasType } : {}),
  };
}
