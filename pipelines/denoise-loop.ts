import type { CacheScheduleOptions } from './deepcache-schedule.ts';
import { fullStepIndices } from './deepcache-schedule.ts';
import type { FeatureCache } from './feature-cache.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import { readFloat } from './ort-backend.ts';
import { createScheduler } from './schedulers/create-scheduler.ts';
import type { SchedulerConfig } from './schedulers/types.ts';
import type { PipelineEvent, StepRecord } from './types.ts';

/** One denoising loop: the UNet graphs, DeepCache's schedule and cache, and how a step's inputs and guidance are made. */
export interface DenoiseLoop {
  scheduler: SchedulerConfig;
  steps: number;
  /** DeepCache's schedule; null runs the full UNet every step. */
  cacheSchedule: CacheScheduleOptions | null;
  full: ModelSession;
  /** The shallow graph cached steps run; null when every step is full. */
  shallow: ModelSession | null;
  cache: FeatureCache | null;
  /** Names of the cut feature (an output of the full graph, an input of the shallow one) and of the noise prediction. */
  cacheFeature: string;
  noisePrediction: string;
  /** The UNet's feeds for step `index` from the latents the scheduler scaled for it. */
  feeds(index: number, timestep: number, scaled: Float32Array): Record<string, OrtTensor>;
  /** The noise prediction the scheduler steps with, from the UNet's (guided batch) output. */
  guide(noise: Float32Array): Float32Array;
  emit: (event: PipelineEvent) => void;
}

/**
 * Runs the scheduler's steps from unit Gaussian latents: a full step runs the full graph and stores the cut
 * feature, a cached step runs the shallow graph on it (brought back ahead of the step), each step timed and
 * emitted as it ends.
 */
export async function denoise(loop: DenoiseLoop, unitNoise: Float32Array): Promise<{ latents: Float32Array; steps: StepRecord[] }> {
  const { full, shallow, cache } = loop;
  const scheduler = createScheduler(loop.scheduler, loop.steps);
  const count = scheduler.timesteps.length;
  const fullSteps = new Set(loop.cacheSchedule ? fullStepIndices(loop.steps, loop.cacheSchedule) : scheduler.timesteps.map((_, i) => i));
  let x = scheduler.initNoiseSigma === 1 ? unitNoise : unitNoise.map((v) => v * scheduler.initNoiseSigma);
  const records: StepRecord[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const kind = fullSteps.has(i) || !shallow ? 'full' : 'cached';
    const timestep = scheduler.timesteps[i]!;
    const feeds = loop.feeds(i, timestep, scheduler.scaleModelInput(x, i));
    let out: Record<string, OrtTensor>;
    if (kind === 'full') {
      out = await full.run(feeds);
      if (cache) await cache.store(out[loop.cacheFeature]!);
    } else {
      out = await shallow!.run({ ...feeds, [loop.cacheFeature]: await cache!.fetch() });
    }
    const noise = await readFloat(out[loop.noisePrediction]!);
    if (cache && i + 1 < count && !fullSteps.has(i + 1)) cache.prefetch();
    x = scheduler.step(loop.guide(noise), i, x);
    const step = { index: i, timestep, kind, ms: performance.now() - start } as const;
    records.push(step);
    loop.emit({ type: 'step', step, of: count });
  }
  cache?.clear();
  return { latents: x, steps: records };
}
