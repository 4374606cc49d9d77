import type { SiteHistoryGroup, SiteHistoryMetric } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, shortCommit, toMiB } from './format.ts';

export const METRIC_TITLES: Record<SiteHistoryMetric, { title: string; unit: 'ms' | 'MiB' }> = {
  totalMedianMs: { title: 'total time, median', unit: 'ms' },
  denoiseMedianMs: { title: 'denoise time, median', unit: 'ms' },
  peakHostBytes: { title: 'peak host RSS', unit: 'MiB' },
  peakGpuBytes: { title: 'peak GPU memory', unit: 'MiB' },
};

/** A history value in its display unit. */
export function displayValue(metric: SiteHistoryMetric, value: number | null): number | null {
  if (value === null) return null;
  return METRIC_TITLES[metric].unit === 'MiB' ? toMiB(value) : value;
}

/** `3c4d5e6 · 2025-06-04` for each run of a history group, oldest first. */
export function pointLabels(g: SiteHistoryGroup): string[] {
  return g.points.map((p) => `${shortCommit(p.commit, p.dirty)} · ${p.startedAt.slice(0, 10)}`);
}

/** The series of one model and metric, one line per variant, with regressions found by the detector marked. */
export function historyChart(g: SiteHistoryGroup, model: string, metric: SiteHistoryMetric): ChartSpec {
  const { title, unit } = METRIC_TITLES[metric];
  const series = g.series.filter((s) => s.model === model && s.metric === metric);
  const datasets: ChartSpec['datasets'] = series.map((s, i) => ({ label: s.variant, data: s.values.map((v) => displayValue(metric, v)), colour: colour(i), draw: 'line', pointStyle: 'circle' }));
  series.forEach((s, i) => {
    const regressions = new Set(s.stepChanges.filter((c) => c.direction === 'regression').map((c) => c.index));
    if (regressions.size === 0) return;
    datasets.push({
      label: `${s.variant}: regression (step change)`,
      data: s.values.map((v, k) => (regressions.has(k) ? displayValue(metric, v) : null)),
      colour: colour(i),
      draw: 'points',
      pointStyle: 'triangle',
    });
  });
  return { type: 'line', title: `${model}: ${title} over commits`, xTitle: 'commit · date (oldest first)', yTitle: `${title} (${unit})`, labels: pointLabels(g), datasets };
}
