import { z } from 'zod';
import { HarnessError } from '../harness-error.ts';
import { describeConfigIssues } from './describe-config-issues.ts';
import type { FlowSchedulerConfig, SchedulerKind, UniPcFlowConfig } from './types.ts';

/** The scheduler kinds of the flow-matching pipelines. */
export const FLOW_SCHEDULER_KINDS = ['flow-match-euler', 'unipc'] as const satisfies readonly SchedulerKind[];

/**
 * Wan 2.1 text-to-video's scheduler_config.json (UniPCMultistepScheduler, flow_prediction, use_flow_sigmas,
 * flow_shift 3.0 for 480p; Wan's docs use 5.0 at 720p).
 */
export const WAN_UNIPC_CONFIG: UniPcFlowConfig = Object.freeze({
  kind: 'unipc',
  numTrainTimesteps: 1000,
  predictionType: 'flow_prediction',
  flowShift: 3,
  solverOrder: 2,
  solverType: 'bh2',
  lowerOrderFinal: true,
  disableCorrector: [],
});

const flowMatchEulerSchema = z.strictObject({
  kind: z.literal('flow-match-euler'),
  numTrainTimesteps: z.number().int().min(1).max(100_000),
  shift: z.number().gt(0),
  dynamicShift: z
    .strictObject({ timeShiftType: z.enum(['exponential', 'linear']), mu: z.number() })
    .refine((d) => d.timeShiftType === 'exponential' || d.mu > 0, {
      path: ['mu'],
      message: 'the linear time shift needs mu > 0',
    })
    .optional(),
});

const uniPcSchema = z.strictObject({
  kind: z.literal('unipc'),
  numTrainTimesteps: z.number().int().min(1).max(100_000),
  predictionType: z.literal('flow_prediction', {
    error: 'UniPC runs in flow-prediction mode only (diffusers: prediction_type flow_prediction, use_flow_sigmas true)',
  }),
  flowShift: z.number().gt(0),
  solverOrder: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  solverType: z.literal('bh2', {
    error: 'only bh2 is supported: with bh1 diffusers\' last step to a zero sigma multiplies infinity by zero',
  }),
  lowerOrderFinal: z.boolean(),
  disableCorrector: z.array(z.number().int().min(0)),
}).refine((c) => c.lowerOrderFinal || c.solverOrder === 1, {
  path: ['lowerOrderFinal'],
  message: 'must be true above order 1: the last step goes to a zero sigma, where a higher-order step divides by zero (diffusers returns infinities)',
});

/** Validates a flow-matching scheduler config; throws HarnessError('bad-scheduler') naming the field and value. */
export function parseFlowSchedulerConfig(input: { kind: (typeof FLOW_SCHEDULER_KINDS)[number] }): FlowSchedulerConfig {
  const result = (input.kind === 'unipc' ? uniPcSchema : flowMatchEulerSchema).safeParse(input);
  if (result.success) return result.data as FlowSchedulerConfig;
  throw new HarnessError('bad-scheduler', `invalid ${input.kind} scheduler config: ${describeConfigIssues(input, result.error)}`);
}
