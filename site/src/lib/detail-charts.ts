import type { SiteProfileStage, SiteStepRow, SiteTimeline } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtMs, fmtNumber, STAGE_COLOURS } from './format.ts';

/** Host (and GPU) memory over the variant's whole run — warm-up and measured calls — with stages shaded and steps marked. */
export function timelineChart(t: SiteTimeline, title: string): ChartSpec {
  // Line colours stay clear of the stage shading and the step markers.
  const lineColours = ['#555555', '#D55E00', '#56B4E9', '#CC79A7'];
  const datasets: ChartSpec['datasets'] = [{ label: 'host RSS (MiB)', data: t.host.map(([x, y]) => ({ x, y })), colour: lineColours[0]!, draw: 'line' }];
  t.gpu.forEach((g, i) =>
    datasets.push({ label: `GPU used, ${g.name} (MiB)`, data: g.points.map(([x, y]) => ({ x, y })), colour: lineColours[(i % 3) + 1]!, draw: 'line' }),
  );
  for (const kind of ['full', 'cached'] as const) {
    const marks = t.steps.filter((s) => s.kind === kind);
    if (marks.length > 0) {
      datasets.push({
        label: `${kind} step start`,
        data: marks.map((s) => ({ x: s.tMs, y: 0 })),
        colour: kind === 'full' ? '#D55E00' : '#CC79A7',
        draw: 'points',
        pointStyle: kind === 'full' ? 'triangle' : 'rectRot',
      });
    }
  }
  return {
    type: 'line',
    title,
    xTitle: 'time since the variant started (ms)',
    yTitle: 'memory (MiB)',
    datasets,
    bands: t.bands.map((b) => ({ label: `${b.stage} stage`, from: b.fromMs, to: b.toMs, colour: STAGE_COLOURS[b.stage]! })),
    description:
      `Host resident memory${t.gpu.length ? ' and GPU memory' : ''} over the variant's warm-up and measured calls, ${t.host.length} points. ` +
      `Peak host RSS ${fmtNumber(Math.max(0, ...t.host.map(([, y]) => y)))} MiB` +
      t.gpu.map((g) => `, peak ${g.name} ${fmtNumber(Math.max(0, ...g.points.map(([, y]) => y)))} MiB`).join('') +
      `. Shaded: ${t.bands.length} stage intervals (listed in the table below); markers: ${t.steps.length} step starts.`,
  };
}

/** Median latency of each denoising step, coloured by whether the step ran the full UNet or the cached path. */
export function stepLatencyChart(steps: SiteStepRow[], title: string): ChartSpec {
  return {
    type: 'bar',
    title,
    xTitle: 'denoising step',
    yTitle: 'median step time (ms)',
    labels: steps.map((s) => String(s.index)),
    stacked: true,
    datasets: (['full', 'cached'] as const).map((kind, i) => ({
      label: `${kind} step (ms)`,
      data: steps.map((s) => (s.kind === kind ? s.medianMs : null)),
      colour: i === 0 ? '#0072B2' : '#E69F00',
      stack: 'steps',
    })),
    description: `Bars of median time per denoising step: ${steps.map((s) => `step ${s.index} ${s.kind} ${fmtMs(s.medianMs)} ms`).join(', ')}.`,
  };
}

/** The operators that took the most time in one profiled stage. */
export function profileChart(p: SiteProfileStage, title: string): ChartSpec {
  return {
    type: 'bar',
    title,
    xTitle: 'operator',
    yTitle: 'total time over the profiled runs (ms)',
    labels: p.byTime.map((o) => (o.node ? `${o.op} (${o.node})` : o.op)),
    datasets: [{ label: 'time (ms)', data: p.byTime.map((o) => o.totalUs / 1000), colour: colour(0) }],
    description: `Bars of total time per operator in ${p.stage}: ${p.byTime.map((o) => `${o.op} ${fmtMs(o.totalUs / 1000)} ms${o.gflops === null ? '' : ` at ${o.gflops.toFixed(1)} GFLOP/s`}`).join(', ')}.`,
  };
}
