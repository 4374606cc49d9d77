import type { OrtTensor } from './ort-backend.ts';
import { readFloat } from './ort-backend.ts';
import { createScheduler } from './schedulers/create-scheduler.ts';
import type { SchedulerConfig } from './schedulers/types.ts';
import type { PipelineEvent, StepPlan, StepRecord } from './types.ts';

/** One denoising loop: the step plan that makes each noise prediction, and how a step's inputs and guidance are made. */
export interface DenoiseLoop {
  scheduler: SchedulerConfig;
  steps: number;
  /** Which graphs run at each step and what is kept between steps (DeepCache's schedule, a run-time cache). */
  plan: StepPlan;
  /** The denoiser's feeds for step `index` from the latents the scheduler scaled for it. */
  feeds(index: number, timestep: number, scaled: Float32Array): Record<string, OrtTensor>;
  /** The noise prediction the scheduler steps with, from the denoiser's (guided batch) output. */
  guide(noise: Float32Array): Float32Array;
  emit: (event: PipelineEvent) => void;
}

/**
 * Runs the scheduler's steps from unit Gaussian latents: the plan makes each step's noise prediction (and says
 * what it ran), each step timed and emitted as it ends.
 */
export async function denoise(loop: DenoiseLoop, unitNoise: Float32Array): Promise<{ latents: Float32Array; steps: StepRecord[] }> {
  const { plan } = loop;
  const scheduler = createScheduler(loop.scheduler, loop.steps);
  const count = scheduler.timesteps.length;
  let x = scheduler.initNoiseSigma === 1 ? unitNoise : unitNoise.map((v) => v * scheduler.initNoiseSigma);
  const records: StepRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const timestep = scheduler.timesteps[i]!;
      const made = await plan.predict(i, loop.feeds(i, timestep, scheduler.scaleModelInput(x, i)));
      const noise = await readFloat(made.prediction);
      plan.afterStep(i);
      x = scheduler.step(loop.guide(noise), i, x);
      const step: StepRecord = { index: i, timestep, kind: made.kind, ms: performance.now() - start, ...(made.decision ? { decision: made.decision } : {}) };
      records.push(step);
      loop.emit({ type: 'step', step, of: count });
    }
  } finally {
    plan.end();
  }
  return { latents: x, steps: records };
}
