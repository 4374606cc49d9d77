import { z } from 'zod';
import { HarnessError } from '../harness-error.ts';
import { describeConfigIssues } from './describe-config-issues.ts';
import { FLOW_SCHEDULER_KINDS, parseFlowSchedulerConfig } from './flow-scheduler-config.ts';
import type { BetaSchedulerConfig, SchedulerConfig, SchedulerKind } from './types.ts';

/**
 * AnimateDiff's sampler as diffusers' AnimateDiff pipeline documents it: DDIM over Stable Diffusion 1.5's
 * scheduler config (set_alpha_to_one false) with linear betas, linspace spacing and clipping off.
 */
export const ANIMATEDIFF_DDIM_CONFIG: BetaSchedulerConfig = Object.freeze({
  kind: 'ddim',
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'linear',
  timestepSpacing: 'linspace',
  stepsOffset: 1,
  predictionType: 'epsilon',
  clipSample: false,
  setAlphaToOne: false,
  eta: 0,
});

/** Stable Diffusion 1.5's scheduler config loaded into EulerDiscreteScheduler (whose default spacing is linspace). */
export const SD_EULER_CONFIG: BetaSchedulerConfig = Object.freeze({
  kind: 'euler',
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  timestepSpacing: 'linspace',
  stepsOffset: 1,
  predictionType: 'epsilon',
  clipSample: false,
  setAlphaToOne: false,
});

const schedulerConfigSchema = z
  .strictObject({
    kind: z.enum(['ddim', 'euler']),
    numTrainTimesteps: z.number().int().min(1).max(100_000),
    betaStart: z.number().gt(0).lt(1),
    betaEnd: z.number().gt(0).lt(1),
    betaSchedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']),
    timestepSpacing: z.enum(['leading', 'linspace', 'trailing']),
    stepsOffset: z.number().int().min(0),
    predictionType: z.enum(['epsilon', 'v_prediction', 'sample']),
    clipSample: z.boolean(),
    setAlphaToOne: z.boolean(),
    eta: z.number().min(0).max(1).optional(),
    rescaleBetasZeroSnr: z.boolean().optional(),
    clipSampleRange: z.number().gt(0).optional(),
    karrasSigmas: z.strictObject({ sigmaMin: z.number().gt(0).optional(), sigmaMax: z.number().gt(0).optional() }).optional(),
    timestepType: z.enum(['discrete', 'continuous']).optional(),
    finalSigmasType: z.enum(['zero', 'sigma_min']).optional(),
  })
  .refine((config) => config.betaStart <= config.betaEnd, {
    path: ['betaEnd'],
    message: 'betaEnd must not be below betaStart',
  })
  .refine((config) => config.kind === 'euler' || (config.karrasSigmas === undefined && config.timestepType === undefined && config.finalSigmasType === undefined), {
    path: ['kind'],
    message: 'karrasSigmas, timestepType and finalSigmasType apply to the euler sampler only',
  })
  .refine((config) => config.kind === 'ddim' || config.clipSampleRange === undefined, {
    path: ['clipSampleRange'],
    message: 'clipSampleRange applies to ddim only',
  })
  .refine((config) => config.karrasSigmas?.sigmaMin === undefined || config.karrasSigmas.sigmaMax === undefined || config.karrasSigmas.sigmaMin < config.karrasSigmas.sigmaMax, {
    path: ['karrasSigmas'],
    message: 'karrasSigmas.sigmaMin must be below sigmaMax',
  })
  .refine((config) => config.timestepType !== 'continuous' || config.predictionType === 'v_prediction', {
    path: ['timestepType'],
    message: 'continuous timesteps go with v_prediction (as diffusers implements them)',
  })
  .refine((config) => config.kind === 'ddim' || !config.eta, {
    path: ['eta'],
    message: 'eta applies to ddim only; the euler sampler adds no noise',
  });

const SCHEDULER_KINDS: readonly SchedulerKind[] = ['ddim', 'euler', ...FLOW_SCHEDULER_KINDS];

/** Validates an untrusted scheduler config (suite file, results file); throws HarnessError('bad-scheduler'). */
export function parseSchedulerConfig(input: unknown): SchedulerConfig {
  if (input !== null && typeof input === 'object') {
    const { kind } = input as { kind?: unknown };
    if (!(SCHEDULER_KINDS as readonly unknown[]).includes(kind)) {
      const accepted = SCHEDULER_KINDS.map((k) => JSON.stringify(k)).join('|');
      throw new HarnessError('bad-scheduler', `invalid scheduler config: kind: expected one of ${accepted} (${kind === undefined ? 'missing' : `got ${JSON.stringify(kind)}`})`);
    }
    if ((FLOW_SCHEDULER_KINDS as readonly unknown[]).includes(kind)) {
      return parseFlowSchedulerConfig(input as { kind: (typeof FLOW_SCHEDULER_KINDS)[number] });
    }
  }
  const result = schedulerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new HarnessError('bad-scheduler', `invalid scheduler config: ${describeConfigIssues(input, result.error)}`);
}
