import type { SiteOverview, SiteOverviewRow } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, STAGE_COLOURS, toMiB } from './format.ts';

type Model = SiteOverview['models'][number];
type OkRow = Extract<SiteOverviewRow, { status: 'ok' }>;
const okRows = (m: Model) => m.rows.filter((r): r is OkRow => r.status === 'ok');

/** Median time of each inference stage per variant, stacked so that the bar is the time of one call. */
export function stageTimeChart(m: Model): ChartSpec {
  const rows = okRows(m);
  return {
    type: 'bar',
    title: `${m.model}: median time per stage`,
    xTitle: 'variant',
    yTitle: 'median time (ms)',
    labels: rows.map((r) => r.variant),
    stacked: true,
    datasets: (['encode', 'denoise', 'decode'] as const).map((stage) => ({
      label: `${stage} (ms)`,
      data: rows.map((r) => r.stagesMedianMs[stage]),
      colour: STAGE_COLOURS[stage]!,
      stack: 'stages',
    })),
  };
}

/** Peak host memory (and peak GPU memory where measured) per variant. */
export function peakMemoryChart(m: Model, hasGpu: boolean): ChartSpec {
  const rows = okRows(m);
  const datasets: ChartSpec['datasets'] = [{ label: 'peak host RSS (MiB)', data: rows.map((r) => toMiB(r.peakHostBytes)), colour: colour(0) }];
  if (hasGpu) datasets.push({ label: 'peak GPU memory (MiB)', data: rows.map((r) => (r.peakGpuBytes === null ? null : toMiB(r.peakGpuBytes))), colour: colour(1) });
  return { type: 'bar', title: `${m.model}: peak memory`, xTitle: 'variant', yTitle: 'peak memory (MiB)', labels: rows.map((r) => r.variant), datasets };
}
