import type { SiteAblation } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtRatio } from './format.ts';

type Model = SiteAblation['models'][number];

/** Time and peak memory of each variant as a multiple of the baseline's (below 1 is a saving). */
export function ablationRatioChart(m: Model, hasGpu: boolean): ChartSpec {
  const rows = m.rows.filter((r) => r.status === 'ok');
  const baseline = rows.find((r) => r.kind === 'baseline' && r.variant === 'baseline') ?? rows.find((r) => r.kind === 'baseline');
  const rel = (value: number | null, base: number | null | undefined) => (value === null || !base ? null : value / base);
  const datasets: ChartSpec['datasets'] = [
    { label: 'total time ÷ baseline', data: rows.map((r) => rel(r.totalMedianMs, baseline?.totalMedianMs)), colour: colour(0) },
    { label: 'peak host RSS ÷ baseline', data: rows.map((r) => rel(r.peakHostBytes, baseline?.peakHostBytes)), colour: colour(1) },
  ];
  if (hasGpu) datasets.push({ label: 'peak GPU memory ÷ baseline', data: rows.map((r) => rel(r.peakGpuBytes, baseline?.peakGpuBytes)), colour: colour(2) });
  return {
    type: 'bar',
    title: `${m.model}: time and peak memory relative to the baseline`,
    xTitle: 'variant',
    yTitle: 'ratio to baseline (×, lower is better)',
    labels: rows.map((r) => r.variant),
    datasets,
    description:
      'Grouped bars per variant: ' +
      rows.map((r, i) => `${r.variant}: ${datasets.map((d) => `${d.label} ${fmtRatio((d.data as (number | null)[])[i] ?? null)}`).join(', ')}`).join('; ') +
      '.',
  };
}
