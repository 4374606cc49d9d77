import type { SiteHistoryGroup, SiteHistoryMetric, SiteHistorySeries } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtNumber, pointStyle, toMiB } from './format.ts';

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

/** Every value of a short series; a long one as its first, last, lowest and highest, which the table lists in full. */
function valuesInWords(values: (number | null)[]): string {
  if (values.length <= 12) return values.map(fmtNumber).join(' → ');
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return 'no values';
  return `${fmtNumber(known[0])} first, ${fmtNumber(known.at(-1))} last, ${fmtNumber(Math.min(...known))} lowest, ${fmtNumber(Math.max(...known))} highest over ${values.length} runs`;
}

/** The level a threshold band is drawn around: the median of the values since the series' last step change. */
export function thresholdLevel(s: SiteHistorySeries): number | null {
  const from = s.stepChanges.reduce((last, c) => Math.max(last, c.index), 0);
  const values = s.values.slice(from).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (values.length === 0) return null;
  const mid = Math.floor(values.length / 2);
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * The series of one model and metric, one line per variant with its min–max band, regressions found by the
 * detector marked, and (shown when the variant filter picks one variant) the suite's threshold band.
 */
export function historyChart(g: SiteHistoryGroup, model: string, metric: SiteHistoryMetric, variantOrder: readonly string[] = []): ChartSpec {
  const { title, unit } = METRIC_TITLES[metric];
  const series = g.series.filter((s) => s.model === model && s.metric === metric);
  const datasets: ChartSpec['datasets'] = [];
  // A variant keeps its colour and marker on every chart of the page, whichever variants a chart lacks.
  const slot = (variant: string, fallback: number) => (variantOrder.includes(variant) ? variantOrder.indexOf(variant) : variantOrder.length + fallback);
  const colourOf = (s: SiteHistorySeries, i: number) => colour(slot(s.variant, i));
  series.forEach((s, i) => {
    datasets.push({ label: s.variant, variant: s.variant, data: s.values.map((v) => displayValue(metric, v)), colour: colourOf(s, i), draw: 'line', pointStyle: pointStyle(slot(s.variant, i)) });
  });
  series.forEach((s, i) => {
    if (s.spread) {
      datasets.push(
        { label: `${s.variant}: max of the runs`, variant: s.variant, data: s.spread.map((x) => displayValue(metric, x?.high ?? null)), colour: colourOf(s, i), draw: 'line', pointRadius: 0, fillToNext: true, hideInLegend: true },
        { label: `${s.variant}: min of the runs`, variant: s.variant, data: s.spread.map((x) => displayValue(metric, x?.low ?? null)), colour: colourOf(s, i), draw: 'line', pointRadius: 0, hideInLegend: true },
      );
    }
    const level = thresholdLevel(s);
    if (s.thresholdPct !== null && level !== null) {
      const pct = s.thresholdPct / 100;
      datasets.push(
        { label: `${s.variant}: threshold +${s.thresholdPct}%`, variant: s.variant, role: 'threshold', data: s.values.map(() => displayValue(metric, level * (1 + pct))), colour: colourOf(s, i), draw: 'line', pointRadius: 0, dashed: true, fillToNext: true, hideInLegend: true },
        { label: `${s.variant}: threshold −${s.thresholdPct}%`, variant: s.variant, role: 'threshold', data: s.values.map(() => displayValue(metric, level * (1 - pct))), colour: colourOf(s, i), draw: 'line', pointRadius: 0, dashed: true, hideInLegend: true },
      );
    }
    const regressions = new Set(s.stepChanges.filter((c) => c.direction === 'regression').map((c) => c.index));
    if (regressions.size === 0) return;
    datasets.push({
      label: `${s.variant}: regression (step change)`,
      variant: s.variant,
      data: s.values.map((v, k) => (regressions.has(k) ? displayValue(metric, v) : null)),
      colour: '#D55E00',
      draw: 'points',
      pointStyle: 'triangle',
      pointRadius: 9,
      // Named in the page text (▲) rather than once per variant in the legend, which would crowd a phone's plot.
      hideInLegend: true,
    });
  });
  const hasSpread = series.some((s) => s.spread);
  const hasThreshold = series.some((s) => s.thresholdPct !== null);
  return {
    type: 'line',
    title: `${model}: ${title} over runs`,
    xTitle: 'commit · start (oldest first)',
    yTitle: `${title} (${unit})`,
    labels: g.points.map((p) => p.label),
    datasets,
    description:
      `Lines of ${title} per variant over ${g.points.length} runs${hasSpread ? ', each with a shaded band from the fastest to the slowest measured run' : ''}` +
      `${hasThreshold ? "; picking one variant shows the suite's threshold band around its current level" : ''}. ` +
      series.map((s) => `${s.variant}: ${valuesInWords(s.values.map((v) => displayValue(metric, v)))} ${unit}${s.stepChanges.length ? ` (step change at ${s.stepChanges.map((c) => g.points[c.index]!.label).join(', ')})` : ''}`).join('; ') +
      '.',
  };
}
