import { DdimScheduler } from './ddim-scheduler.ts';
import { EulerDiscreteScheduler } from './euler-discrete-scheduler.ts';
import { FlowMatchEulerScheduler } from './flow-match-euler-scheduler.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import type { CreateSchedulerOptions, Scheduler, SchedulerConfig } from './types.ts';
import { UniPcFlowScheduler } from './unipc-flow-scheduler.ts';

/** A scheduler for `numInferenceSteps` steps; the config is validated again since it may come from a file. */
export function createScheduler(
  config: SchedulerConfig,
  numInferenceSteps: number,
  options: CreateSchedulerOptions = {},
): Scheduler {
  const checked = parseSchedulerConfig(config);
  switch (checked.kind) {
    case 'ddim':
      return new DdimScheduler(checked, numInferenceSteps, options.varianceNoiseSeed);
    case 'euler':
      return new EulerDiscreteScheduler(checked, numInferenceSteps);
    case 'flow-match-euler':
      return new FlowMatchEulerScheduler(checked, numInferenceSteps);
    case 'unipc':
      return new UniPcFlowScheduler(checked, numInferenceSteps);
  }
}
