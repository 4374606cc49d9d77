// Draws every <canvas data-chart> from its JSON spec. Labels reach chart.js as plain strings and chart.js
// paints them on the canvas, so no text from a results file is ever parsed as markup.
import { Chart, registerables, type ChartConfiguration, type ChartDataset, type ChartEvent, type LegendElement, type LegendItem, type Plugin } from 'chart.js';
import type { ChartSpec } from '../lib/chart-spec.ts';

Chart.register(...registerables);

const bandsPlugin: Plugin<'bar' | 'line'> = {
  id: 'lightbenchBands',
  beforeDatasetsDraw(chart) {
    const bands = (chart.options.plugins as { lightbenchBands?: ChartSpec['bands'] }).lightbenchBands ?? [];
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    if (!x || bands.length === 0) return;
    ctx.save();
    ctx.globalAlpha = 0.14;
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

const drawnPlugin: Plugin<'bar' | 'line'> = {
  id: 'lightbenchDrawn',
  afterRender(chart) {
    chart.canvas.setAttribute('data-chart-drawn', 'true');
  },
};

function dataset(spec: ChartSpec, d: ChartSpec['datasets'][number]): ChartDataset<'bar' | 'line'> {
  const draw = d.draw ?? spec.type;
  // Dense time series read as lines; a handful of runs over commits reads better with each point shown.
  const pointRadius = spec.labels === undefined ? 0 : 3;
  const common = { label: d.label, data: d.data as never, backgroundColor: d.colour, borderColor: d.colour };
  if (draw === 'bar') return { ...common, type: 'bar', ...(d.stack ? { stack: d.stack } : {}) } as ChartDataset<'bar'>;
  if (draw === 'points') {
    return { ...common, type: 'line', showLine: false, pointStyle: d.pointStyle ?? 'triangle', pointRadius: 6, pointHoverRadius: 8 } as ChartDataset<'line'>;
  }
  return { ...common, type: 'line', borderWidth: 1.5, pointRadius, pointHitRadius: 6, spanGaps: false, pointStyle: d.pointStyle ?? 'circle' } as ChartDataset<'line'>;
}

/** Builds the chart.js configuration of a spec; exported for the hardware page, which swaps data in place. */
export function chartConfig(spec: ChartSpec): ChartConfiguration<'bar' | 'line'> {
  const linear = spec.labels === undefined;
  const bands = spec.bands ?? [];
  const bandLabels = [...new Map(bands.map((b) => [b.label, b.colour])).entries()];
  return {
    type: spec.type,
    data: { ...(linear ? {} : { labels: spec.labels }), datasets: spec.datasets.map((d) => dataset(spec, d)) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: linear ? { xAxisKey: 'x', yAxisKey: 'y' } : undefined,
      interaction: { mode: linear ? 'nearest' : 'index', intersect: false },
      scales: {
        x: { type: linear ? 'linear' : 'category', stacked: spec.stacked === true, title: { display: true, text: spec.xTitle } },
        y: { beginAtZero: true, stacked: spec.stacked === true, title: { display: true, text: spec.yTitle } },
      },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 14 } },
        legend: {
          display: true,
          labels: {
            // Stage bands are not datasets; they join the legend so that the shading is explained.
            generateLabels(chart: Chart): LegendItem[] {
              const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
              return [...items, ...bandLabels.map(([text, fill]) => ({ text, fillStyle: fill, strokeStyle: fill, lineWidth: 0, hidden: false }))];
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
    plugins: [bandsPlugin, drawnPlugin],
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
