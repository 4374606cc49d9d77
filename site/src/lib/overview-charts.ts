import type { SiteOverview, SiteOverviewRow, SiteTimePart } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtMiB, fmtMs, fmtPsnr, STAGE_COLOURS, toMiB } from './format.ts';

type Model = SiteOverview['models'][number];
type OkRow = Extract<SiteOverviewRow, { status: 'ok' }>;
const okRows = (m: Model) => m.rows.filter((r): r is OkRow => r.status === 'ok');

const PART_LABELS: Record<SiteTimePart['part'], string> = {
  load: 'load (sessions)',
  encode: 'encode',
  denoise: 'denoise',
  decode: 'decode',
  other: 'other (total − stages)',
};

/** Median time of each part of a call per variant, stacked so that each bar is the variant's median total. */
export function stageTimeChart(m: Model): ChartSpec {
  const rows = okRows(m);
  const parts = rows[0]?.totalParts.map((p) => p.part) ?? [];
  return {
    type: 'bar',
    title: `${m.model}: median total time by stage`,
    xTitle: 'variant',
    yTitle: 'median time (ms)',
    labels: rows.map((r) => r.variant),
    stacked: true,
    datasets: parts.map((part) => ({
      label: `${PART_LABELS[part]} (ms)`,
      data: rows.map((r) => r.totalParts.find((p) => p.part === part)?.ms ?? 0),
      colour: STAGE_COLOURS[part]!,
      stack: 'stages',
    })),
    description:
      `Stacked bars, one per variant; each bar's height is the variant's median total time: the measured call with the median total, split into ${parts.map((p) => PART_LABELS[p]).join(', ')}. ` +
      rows.map((r) => `${r.variant}: total ${fmtMs(r.stagesMedianMs.total)} ms (${r.totalParts.map((p) => `${p.part} ${fmtMs(p.ms)}`).join(', ')})`).join('; ') +
      '.',
  };
}

/** Peak host memory (and peak GPU memory where measured) per variant. */
export function peakMemoryChart(m: Model, hasGpu: boolean): ChartSpec {
  const rows = okRows(m);
  const datasets: ChartSpec['datasets'] = [{ label: 'peak host RSS (MiB)', data: rows.map((r) => toMiB(r.peakHostBytes)), colour: colour(0) }];
  if (hasGpu) datasets.push({ label: 'peak GPU memory (MiB)', data: rows.map((r) => (r.peakGpuBytes === null ? null : toMiB(r.peakGpuBytes))), colour: colour(1) });
  return {
    type: 'bar',
    title: `${m.model}: peak memory`,
    xTitle: 'variant',
    yTitle: 'peak memory (MiB)',
    labels: rows.map((r) => r.variant),
    datasets,
    description:
      'Bars of peak memory per variant. ' +
      rows.map((r) => `${r.variant}: host ${fmtMiB(r.peakHostBytes)} MiB${hasGpu ? `, GPU ${fmtMiB(r.peakGpuBytes)} MiB` : ''}`).join('; ') +
      '.',
  };
}

/** Fidelity classes of the scatter, best first: the colour says how far a variant's frames are from the baseline's. */
export const FIDELITY_CLASSES = [
  { key: 'baseline', label: 'baseline (reference)', colour: '#882255', test: (psnr: number | null, isBaseline: boolean) => isBaseline },
  { key: 'exact', label: 'identical or PSNR ≥ 60 dB', colour: '#009E73', test: (psnr: number | null) => psnr !== null && psnr >= 60 },
  { key: 'close', label: 'PSNR 35–60 dB', colour: '#0072B2', test: (psnr: number | null) => psnr !== null && psnr >= 35 && psnr < 60 },
  { key: 'far', label: 'PSNR below 35 dB', colour: '#D55E00', test: (psnr: number | null) => psnr !== null && psnr < 35 },
  { key: 'unknown', label: 'fidelity not measured', colour: '#7f7f7f', test: () => true },
] as const;

/** Latency against peak memory, one point per variant, coloured by fidelity, the Pareto front joined by a dashed line. */
export function tradeoffChart(m: Model, memory: 'gpu' | 'host'): ChartSpec {
  const points = m.tradeoff;
  const psnrOf = (p: (typeof points)[number]) => (p.fidelity === null ? null : p.fidelity.identical ? Number.POSITIVE_INFINITY : p.fidelity.psnrDb);
  const classOf = (p: (typeof points)[number]) => FIDELITY_CLASSES.find((c) => c.test(psnrOf(p), p.variant === m.baselineVariant))!;
  const datasets: ChartSpec['datasets'] = [];
  const front = points.filter((p) => p.pareto).sort((a, b) => a.totalMedianMs - b.totalMedianMs);
  datasets.push({
    label: 'Pareto front (fastest for its memory)',
    data: front.map((p) => ({ x: p.totalMedianMs, y: toMiB(p.peakBytes) })),
    colour: '#7f7f7f',
    draw: 'line',
    dashed: true,
    pointRadius: 0,
  });
  for (const c of FIDELITY_CLASSES) {
    const members = points.filter((p) => classOf(p) === c);
    if (members.length === 0) continue;
    datasets.push({
      label: c.label,
      data: members.map((p) => ({ x: p.totalMedianMs, y: toMiB(p.peakBytes) })),
      colour: c.colour,
      draw: 'points',
      pointStyle: 'circle',
      pointRadius: 7,
      pointNames: members.map((p) => p.variant),
      pointLabels: members.map((p) => `${p.variant}${p.pareto ? ' (Pareto)' : ''}: ${fmtMs(p.totalMedianMs)} ms, ${fmtMiB(p.peakBytes)} MiB, PSNR ${fmtPsnr(p.fidelity)}`),
    });
  }
  const memoryName = memory === 'gpu' ? 'peak GPU memory' : 'peak host RSS';
  return {
    type: 'line',
    title: `${m.model}: latency vs ${memoryName}`,
    xTitle: 'median total time (ms, left is faster)',
    yTitle: `${memoryName} (MiB)`,
    datasets,
    description:
      `Scatter of median total time against ${memoryName}, one point per variant, coloured by fidelity against the baseline. ` +
      `Pareto front (no other variant both faster and leaner): ${front.map((p) => p.variant).join(', ') || 'none'}. ` +
      points.map((p) => `${p.variant}: ${fmtMs(p.totalMedianMs)} ms, ${fmtMiB(p.peakBytes)} MiB, PSNR ${fmtPsnr(p.fidelity)}`).join('; ') +
      '.',
  };
}
