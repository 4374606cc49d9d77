// Draws every <canvas data-chart> from its JSON spec. Labels reach chart.js as plain strings and chart.js
// paints them on the canvas, so no text from a results file is ever parsed as markup.
import { Chart, registerables, type ChartConfiguration, type ChartDataset, type ChartEvent, type LegendElement, type LegendItem, type Plugin, type TooltipItem } from 'chart.js';
import type { ChartSpec } from '../lib/chart-spec.ts';

Chart.register(...registerables);

/** Text and grid colours follow the page's (light or dark) colour scheme. */
function themeColours(): { text: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  return { text: style.getPropertyValue('--fg').trim() || '#1f2328', grid: style.getPropertyValue('--grid').trim() || 'rgba(0,0,0,0.1)' };
}

const bandsPlugin: Plugin<'bar' | 'line'> = {
  id: 'lightbenchBands',
  beforeDatasetsDraw(chart) {
    const bands = (chart.options.plugins as { lightbenchBands?: ChartSpec['bands'] }).lightbenchBands ?? [];
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    if (!x || bands.length === 0) return;
    ctx.save();
    ctx.globalAlpha = 0.16;
    for (const band of bands) {
      const from = Math.max(chartArea.left, x.getPixelForValue(band.from));
      const to = Math.min(chartArea.right, x.getPixelForValue(band.to));
      if (to <= from) continue;
      ctx.fillStyle = band.colour;
      ctx.fillRect(from, chartArea.top, to - from, chartArea.bottom - chartArea.top);
    }
    ctx.restore();
  },
};

/** Writes each point's name beside it, so a scatter reads without hovering. */
const pointNamesPlugin: Plugin<'bar' | 'line'> = {
  id: 'lightbenchPointNames',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = themeColours().text;
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((d, i) => {
      const names = (d as { pointNames?: string[] }).pointNames;
      if (!names || !chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach((point, k) => {
        const name = names[k];
        if (!name) return;
        const right = point.x + 10 + ctx.measureText(name).width > chart.chartArea.right;
        ctx.textAlign = right ? 'right' : 'left';
        // Alternate above and below, so the names of two close points do not print over each other.
        ctx.fillText(name, right ? point.x - 10 : point.x + 10, point.y + (k % 2 ? 12 : -10));
      });
    });
    ctx.restore();
  },
};

const drawnPlugin: Plugin<'bar' | 'line'> = {
  id: 'lightbenchDrawn',
  afterRender(chart) {
    // What was drawn, for tests and tools that read the page: the plot's height and the datasets shown.
    chart.canvas.setAttribute('data-chart-area-height', String(Math.round(chart.chartArea.bottom - chart.chartArea.top)));
    chart.canvas.setAttribute('data-visible-datasets', JSON.stringify(chart.data.datasets.flatMap((d, i) => (chart.isDatasetVisible(i) ? [d.label ?? ''] : []))));
    chart.canvas.setAttribute('data-chart-drawn', 'true');
  },
};

const translucent = (hex: string, alpha: string) => (/^#[0-9a-f]{6}$/i.test(hex) ? `${hex}${alpha}` : hex);

function dataset(spec: ChartSpec, d: ChartSpec['datasets'][number]): ChartDataset<'bar' | 'line'> {
  const draw = d.draw ?? spec.type;
  // Dense time series read as lines; a handful of runs over commits reads better with each point shown, and a
  // series of one run is a point, never an empty chart.
  const pointRadius = d.pointRadius ?? (spec.labels === undefined ? 0 : (spec.labels.length <= 1 ? 6 : 4));
  const common = { label: d.label, data: d.data as never, backgroundColor: d.colour, borderColor: d.colour, hideInLegend: d.hideInLegend === true, role: d.role, variant: d.variant, pointLabels: d.pointLabels, pointNames: d.pointNames };
  if (draw === 'bar') return { ...common, type: 'bar', ...(d.stack ? { stack: d.stack } : {}) } as ChartDataset<'bar'>;
  if (draw === 'points') {
    return { ...common, type: 'line', showLine: false, pointStyle: d.pointStyle ?? 'triangle', pointRadius: d.pointRadius ?? 6, pointHoverRadius: (d.pointRadius ?? 6) + 2 } as ChartDataset<'line'>;
  }
  return {
    ...common,
    type: 'line',
    borderWidth: d.hideInLegend ? 0.75 : 2,
    pointRadius,
    pointHitRadius: 6,
    spanGaps: false,
    pointStyle: d.pointStyle ?? 'circle',
    ...(d.dashed ? { borderDash: [6, 4] } : {}),
    ...(d.fillToNext ? { fill: '+1', backgroundColor: translucent(d.colour, d.role === 'threshold' ? '1f' : '2e') } : { fill: false }),
    hidden: d.role === 'threshold',
  } as ChartDataset<'line'>;
}

/** Builds the chart.js configuration of a spec; exported for the hardware page, which swaps data in place. */
export function chartConfig(spec: ChartSpec): ChartConfiguration<'bar' | 'line'> {
  const linear = spec.labels === undefined;
  const bands = spec.bands ?? [];
  const bandLabels = [...new Map(bands.map((b) => [b.label, b.colour])).entries()];
  const theme = themeColours();
  const narrow = window.matchMedia('(max-width: 640px)').matches;
  const axis = { color: theme.text };
  return {
    type: spec.type,
    data: { ...(linear ? {} : { labels: spec.labels }), datasets: spec.datasets.map((d) => dataset(spec, d)) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: theme.text,
      parsing: linear ? { xAxisKey: 'x', yAxisKey: 'y' } : undefined,
      interaction: { mode: linear ? 'nearest' : 'index', intersect: false },
      scales: {
        x: {
          type: linear ? 'linear' : 'category',
          stacked: spec.stacked === true,
          title: { display: true, text: spec.xTitle, color: theme.text },
          ticks: linear
            ? axis
            : {
                ...axis,
                maxRotation: 50,
                // `commit · date` labels break into lines; a phone drops the year, so the plot keeps its height.
                callback(this: { getLabelForValue(v: number): string }, value: string | number) {
                  const label = String(this.getLabelForValue(Number(value)));
                  const parts = label.split(' · ');
                  return narrow && parts.length > 1 ? [parts[0]!, parts[1]!.slice(5)] : parts;
                },
              },
          grid: { color: theme.grid },
        },
        y: {
          type: spec.yLog ? 'logarithmic' : 'linear',
          beginAtZero: !spec.yLog,
          stacked: spec.stacked === true,
          title: { display: true, text: spec.yTitle, color: theme.text },
          // A log axis labels 1, 2 and 5 of each decade only; chart.js would label every integer multiple.
          ticks: spec.yLog
            ? {
                ...axis,
                autoSkip: false,
                callback: (v: string | number) => {
                  const x = Number(v);
                  const mantissa = Number((x / 10 ** Math.floor(Math.log10(x))).toPrecision(3));
                  return [1, 2, 5].includes(mantissa) ? `${Number(x.toPrecision(3))}×` : '';
                },
              }
            : axis,
          grid: { color: theme.grid },
        },
      } as never,
      plugins: {
        title: { display: true, text: spec.title, font: { size: 14 }, color: theme.text },
        tooltip: {
          callbacks: {
            label(item: TooltipItem<'bar' | 'line'>) {
              const names = (item.dataset as { pointLabels?: string[] }).pointLabels;
              return names?.[item.dataIndex] ?? `${item.dataset.label ?? ''}: ${item.formattedValue}`;
            },
          },
        },
        legend: {
          display: true,
          // Below the plot on a phone, with small boxes, so the plot keeps its height.
          position: narrow ? 'bottom' : 'top',
          labels: {
            color: theme.text,
            boxWidth: narrow ? 10 : 30,
            font: { size: narrow ? 10 : 12 },
            filter: (item: LegendItem, data) => item.datasetIndex === undefined || !(data.datasets[item.datasetIndex] as { hideInLegend?: boolean }).hideInLegend,
            // Stage bands are not datasets; they join the legend so that the shading is explained.
            generateLabels(chart: Chart): LegendItem[] {
              const items = Chart.defaults.plugins.legend.labels.generateLabels(chart).map((i) => ({ ...i, fontColor: theme.text }));
              return [...items, ...bandLabels.map(([text, fill]) => ({ text, fillStyle: fill, strokeStyle: fill, lineWidth: 0, hidden: false, fontColor: theme.text }))];
            },
          },
          onClick(this: LegendElement<'bar' | 'line'>, event: ChartEvent, item: LegendItem, legend: LegendElement<'bar' | 'line'>) {
            if (item.datasetIndex === undefined) return;
            Chart.defaults.plugins.legend.onClick.call(this, event, item, legend);
          },
        },
        lightbenchBands: bands,
      } as never,
    },
    plugins: [bandsPlugin, pointNamesPlugin, drawnPlugin],
  };
}

function drawAll(): void {
  for (const canvas of document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')) {
    if (Chart.getChart(canvas)) continue;
    try {
      const spec = JSON.parse(canvas.dataset.chart ?? '') as ChartSpec;
      new Chart(canvas, chartConfig(spec));
    } catch (error) {
      canvas.setAttribute('data-chart-error', String(error));
      console.error('chart could not be drawn', canvas.id, error);
    }
  }
}

drawAll();
