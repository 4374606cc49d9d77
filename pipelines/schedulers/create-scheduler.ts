import { DdimScheduler } from './ddim-scheduler.ts';
import { EulerDiscreteScheduler } from './euler-discrete-scheduler.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import type { CreateSchedulerOptions, Scheduler, SchedulerConfig } from './types.ts';

/** A scheduler for `numInferenceSteps` steps; the config is validated again since it may come from a file. */
export function createScheduler(
  config: SchedulerConfig,
  numInferenceSteps: number,
  options: CreateSchedulerOptions = {},
): Scheduler {
  const checked = parseSchedulerConfig(config);
  if (checked.kind === 'ddim') return new DdimScheduler(checked, numInferenceSteps, options.varianceNoiseSeed);
  return new EulerDiscreteScheduler(checked, numInferenceSteps);
}
