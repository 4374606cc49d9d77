import { fullStepIndices } from './deepcache-schedule.ts';
import type { ScheduledCacheOptions, StepPlan } from './types.ts';

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
