import type { CacheScheduleOptions } from './deepcache-schedule.ts';
import { fullStepIndices } from './deepcache-schedule.ts';
import type { FeatureCache } from './feature-cache.ts';
import type { ModelSession } from './ort-backend.ts';
import type { StepPlan } from './types.ts';

/** The graphs and cache of a step plan on a fixed schedule. */
export interface ScheduledCacheOptions {
  /** Steps of the run (the schedule's length). */
  steps: number;
  /** DeepCache's schedule; null runs the full graph every step. */
  cacheSchedule: CacheScheduleOptions | null;
  full: ModelSession;
  /** The shallow graph cached steps run; null when every step is full. */
  shallow: ModelSession | null;
  cache: FeatureCache | null;
  /** Name of the cut feature: an output of the full graph, an input of the shallow one. */
  cacheFeature: string;
  noisePrediction: string;
}

/**
 * DeepCache's plan: full steps come from a schedule fixed before the run; a full step runs the full graph and
 * stores the cut feature, a cached step runs the shallow graph on it, brought back ahead of the step.
 */
export function scheduledCachePlan(options: ScheduledCacheOptions): StepPlan {
  const { full, shallow, cache, cacheFeature, noisePrediction } = options;
  const fullSteps = new Set(options.cacheSchedule ? fullStepIndices(options.steps, options.cacheSchedule) : []);
  const isFull = (index: number) => !options.cacheSchedule || !shallow || fullSteps.has(index);
  return {
    async predict(index, feeds) {
      if (isFull(index)) {
        const out = await full.run(feeds);
        if (cache) await cache.store(out[cacheFeature]!);
        return { prediction: out[noisePrediction]!, kind: 'full' };
      }
      const out = await shallow!.run({ ...feeds, [cacheFeature]: await cache!.fetch() });
      return { prediction: out[noisePrediction]!, kind: 'cached' };
    },
    afterStep(index) {
      if (cache && index + 1 < options.steps && !isFull(index + 1)) cache.prefetch();
    },
    end() {
      cache?.clear();
    },
    report() {
      return cache?.report() ?? { peakBytes: 0, location: 'none' };
    },
  };
}
