import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { roundHalfToEven } from '../pipelines/schedulers/timesteps.ts';
import type { BetaSchedulerConfig } from '../pipelines/schedulers/types.ts';

interface TimestepCase {
  config: BetaSchedulerConfig;
  numInferenceSteps: number;
  timesteps: number[];
}

const { timestepCases } = JSON.parse(
  readFileSync(new URL('./fixtures/scheduler-reference.json', import.meta.url), 'utf8'),
) as { timestepCases: TimestepCase[] };

describe('inference timesteps follow numpy as diffusers uses it', () => {
  it('rounds halves to even, like numpy.round', () => {
    expect([0.5, 1.5, 2.5, 499.5, -1.5, 2.4999, 2.5001].map(roundHalfToEven)).toEqual([0, 2, 2, 500, -2, 2, 3]);
  });

  for (const c of timestepCases) {
    const { kind, timestepSpacing } = c.config;
    it(`${kind} ${timestepSpacing} with ${c.numInferenceSteps} steps`, () => {
      const ours = createScheduler(c.config, c.numInferenceSteps).timesteps;
      expect(ours).toHaveLength(c.numInferenceSteps);
      expect(ours).toEqual(c.timesteps.slice(0, c.numInferenceSteps));
      // numpy's arange overshoots for some trailing step counts; the value it adds is no valid timestep.
      for (const extra of c.timesteps.slice(c.numInferenceSteps)) expect(extra).toBeLessThan(0);
    });
  }
});
