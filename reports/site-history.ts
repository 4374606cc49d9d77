import type { LoadedRun } from '../harness/results-file.ts';
import type { VariantOk } from '../harness/results-schema.ts';
import type { SiteHistoryGroup, SiteHistoryMetric, SiteStepChangeDetector } from './types.ts';
import { machineLabel, peakGpuBytes, peakHostBytes, resultsByPair, sortRunsByStart } from './site-variant-figures.ts';

const METRICS: readonly { metric: SiteHistoryMetric; of: (v: VariantOk) => number | null }[] = [
  { metric: 'totalMedianMs', of: (v) => v.stages.total.medianMs },
  { metric: 'denoiseMedianMs', of: (v) => v.stages.denoise.medianMs },
  { metric: 'peakHostBytes', of: peakHostBytes },
  { metric: 'peakGpuBytes', of: peakGpuBytes },
];

/**
 * Each metric of each (model, variant) over the runs of one suite on one machine, oldest first; only
 * summaries are kept, so the data stays small however many runs there are. Runs on other machines are
 * other series: a history that mixed machines would show hardware as regressions.
 */
export function siteHistory(runs: readonly LoadedRun[], detectStepChanges: SiteStepChangeDetector | null): SiteHistoryGroup[] {
  const groups = new Map<string, LoadedRun[]>();
  for (const loaded of sortRunsByStart(runs)) {
    const key = JSON.stringify([loaded.run.suite.name, loaded.run.context.machine.fingerprint]);
    const list = groups.get(key) ?? [];
    list.push(loaded);
    groups.set(key, list);
  }
  return [...groups.values()].map((group) => {
    const latest = group.at(-1)!.run;
    const series = resultsByPair(group).flatMap(({ model, variant, results }) => {
      return METRICS.flatMap(({ metric, of }) => {
        const values = results.map((v) => (v ? of(v) : null));
        if (values.every((x) => x === null)) return [];
        return [{ model, variant, metric, values, stepChanges: detectStepChanges ? detectStepChanges(values, metric) : [] }];
      });
    });
    return {
      suiteName: latest.suite.name,
      machineFingerprint: latest.context.machine.fingerprint,
      machineLabel: machineLabel(latest),
      points: group.map(({ run }) => ({ runId: run.runId, startedAt: run.startedAt, commit: run.context.git?.commit ?? null, dirty: run.context.git?.dirty ?? false })),
      series,
    };
  });
}
