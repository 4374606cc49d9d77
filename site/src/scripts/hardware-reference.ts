// Re-normalises a hardware comparison to the machine picked in its <select>: table cells get new text
// (textContent only) and the chart new data; the canvas's data-chart attribute follows, for tests.
import { Chart } from 'chart.js';
import type { ChartSpec } from '../lib/chart-spec.ts';
import { fmtRatio } from '../lib/ratio-format.ts';

interface HardwareState {
  labels: string[];
  suiteName: string;
  totals: (number | null)[][];
}

const relative = (row: (number | null)[], machine: number, reference: number) => {
  const v = row[machine] ?? null;
  const ref = row[reference] ?? null;
  return v === null || ref === null || ref === 0 ? null : v / ref;
};

for (const section of document.querySelectorAll<HTMLElement>('section[data-hardware]')) {
  const state = JSON.parse(section.dataset.hardware ?? '{}') as HardwareState;
  const select = section.querySelector<HTMLSelectElement>('select[data-reference]');
  if (!select) continue;
  select.addEventListener('change', () => {
    const reference = Number(select.value);
    for (const cell of section.querySelectorAll<HTMLElement>('[data-rel-row]')) {
      const value = relative(state.totals[Number(cell.dataset.relRow)] ?? [], Number(cell.dataset.relMachine), reference);
      cell.textContent = fmtRatio(value);
    }
    for (const name of section.querySelectorAll<HTMLElement>('[data-reference-name]')) name.textContent = state.labels[reference] ?? '';
    const canvas = section.querySelector<HTMLCanvasElement>('canvas[data-chart]');
    if (!canvas) return;
    const spec = JSON.parse(canvas.dataset.chart ?? '{}') as ChartSpec;
    spec.title = `${state.suiteName}: total time relative to ${state.labels[reference] ?? 'the reference'}`;
    spec.datasets = spec.datasets.map((d, machine) => ({ ...d, data: state.totals.map((row) => relative(row, machine, reference)) }));
    canvas.setAttribute('data-chart', JSON.stringify(spec));
    canvas.setAttribute('data-chart-reference', String(reference));
    const chart = Chart.getChart(canvas);
    if (!chart) return;
    canvas.setAttribute('data-chart-drawn', 'false');
    chart.data.datasets.forEach((d, machine) => {
      d.data = spec.datasets[machine]?.data as never;
    });
    if (chart.options.plugins?.title) chart.options.plugins.title.text = spec.title;
    chart.update();
  });
}
