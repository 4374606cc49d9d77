import type { LoadedRun } from '../harness/results-file.ts';
import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import { runOverviewPath } from './site-slug.ts';
import type { SiteHistoryGroup, SiteHistoryMetric, SiteHistorySeries, SiteRegression, SiteStepChangeDetector } from './types.ts';
import { machineLabel, peakGpuBytes, peakHostBytes, resultsByPair, sortRunsByStart } from './site-variant-figures.ts';

const METRICS: readonly {
  metric: SiteHistoryMetric;
  of: (v: VariantOk) => number | null;
  spread: ((v: VariantOk) => { low: number; high: number }) | null;
  threshold: 'timePct' | 'memoryPct';
}[] = [
  { metric: 'totalMedianMs', of: (v) => v.stages.total.medianMs, spread: (v) => ({ low: v.stages.total.minMs, high: v.stages.total.maxMs }), threshold: 'timePct' },
  { metric: 'denoiseMedianMs', of: (v) => v.stages.denoise.medianMs, spread: (v) => ({ low: v.stages.denoise.minMs, high: v.stages.denoise.maxMs }), threshold: 'timePct' },
  { metric: 'peakHostBytes', of: peakHostBytes, spread: null, threshold: 'memoryPct' },
  { metric: 'peakGpuBytes', of: peakGpuBytes, spread: null, threshold: 'memoryPct' },
];

/** `1a2b3c4 · 2025-06-02 09:00`, with `+dirty` for uncommitted changes and ` #2` when two runs would share a label. */
export function historyPointLabels(runs: readonly RunResult[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((run) => {
    const commit = run.context.git ? `${run.context.git.commit.slice(0, 7)}${run.context.git.dirty ? '+dirty' : ''}` : 'no commit';
    const base = `${commit} · ${run.startedAt.slice(0, 16).replace('T', ' ')}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

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
      return METRICS.flatMap(({ metric, of, spread, threshold }): SiteHistorySeries[] => {
        const values = results.map((v) => (v ? of(v) : null));
        if (values.every((x) => x === null)) return [];
        const thresholds = latest.suite.thresholds;
        const thresholdPct = thresholds?.variants?.[variant]?.[threshold] ?? thresholds?.default?.[threshold] ?? null;
        return [
          {
            model,
            variant,
            metric,
            values,
            spread: spread ? results.map((v) => (v ? spread(v) : null)) : null,
            stepChanges: detectStepChanges ? detectStepChanges(values, metric) : [],
            thresholdPct,
          },
        ];
      });
    });
    const labels = historyPointLabels(group.map((g) => g.run));
    return {
      suiteName: latest.suite.name,
      machineFingerprint: latest.context.machine.fingerprint,
      machineLabel: machineLabel(latest),
      device: latest.context.executionProvider,
      points: group.map(({ run }, i) => ({
        runId: run.runId,
        startedAt: run.startedAt,
        commit: run.context.git?.commit ?? null,
        dirty: run.context.git?.dirty ?? false,
        label: labels[i]!,
        overviewPath: runOverviewPath(run.runId),
      })),
      series,
    };
  });
}

/** Every step change of every history series: regressions first, then by the date of the run after the change, newest first. */
export function siteRegressions(history: readonly SiteHistoryGroup[]): SiteRegression[] {
  const found = history.flatMap((g) =>
    g.series.flatMap((s) =>
      s.stepChanges.map((c): SiteRegression => {
        // The last run before the change that has a value: a failed run in between is not "before".
        let b = c.index - 1;
        while (b > 0 && s.values[b] === null) b--;
        const point = (i: number) => ({ runId: g.points[i]!.runId, commit: g.points[i]!.commit, dirty: g.points[i]!.dirty, overviewPath: g.points[i]!.overviewPath });
        return {
          suiteName: g.suiteName,
          machineLabel: g.machineLabel,
          model: s.model,
          variant: s.variant,
          metric: s.metric,
          direction: c.direction,
          beforeValue: c.beforeValue,
          afterValue: c.afterValue,
          changePct: c.beforeValue === 0 ? 0 : ((c.afterValue - c.beforeValue) / c.beforeValue) * 100,
          before: point(Math.max(0, b)),
          after: point(c.index),
        };
      }),
    ),
  );
  const startOf = (r: SiteRegression) => history.flatMap((g) => g.points).find((p) => p.runId === r.after.runId)?.startedAt ?? '';
  return found.sort((a, b) => (a.direction === b.direction ? (startOf(a) < startOf(b) ? 1 : startOf(a) > startOf(b) ? -1 : 0) : a.direction === 'regression' ? -1 : 1));
}
