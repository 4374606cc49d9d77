// Re-normalises a hardware comparison to the machine picked in its <select>: table cells get new text
// (textContent only), the chart new data and title, and its caption and text alternative follow; the canvas's
// data-chart attribute follows too, for tests.
import { Chart } from 'chart.js';
import type { ChartSpec } from '../lib/chart-spec.ts';
import { fmtRatio } from '../lib/ratio-format.ts';

interface HardwareState {
  labels: string[];
  suiteName: string;
  totals: (number | null)[][];
  status: ('ok' | 'error' | 'absent')[][];
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
      const row = Number(cell.dataset.relRow);
      const machine = Number(cell.dataset.relMachine);
      const status = state.status[row]?.[machine];
      const referenceFailed = state.status[row]?.[reference] === 'error';
      cell.textContent = status === 'error' ? 'failed' : status === 'absent' ? 'not run' : referenceFailed ? 'reference failed' : fmtRatio(relative(state.totals[row] ?? [], machine, reference));
    }
    const referenceLabel = state.labels[reference] ?? 'the reference';
    for (const name of section.querySelectorAll<HTMLElement>('[data-reference-name]')) name.textContent = referenceLabel;
    const canvas = section.querySelector<HTMLCanvasElement>('canvas[data-chart]');
    if (!canvas) return;
    const spec = JSON.parse(canvas.dataset.chart ?? '{}') as ChartSpec;
    spec.title = `${state.suiteName}: total time relative to ${referenceLabel} (log scale)`;
    spec.datasets = spec.datasets.map((d, machine) => ({ ...d, data: state.totals.map((row) => relative(row, machine, reference)) }));
    canvas.setAttribute('data-chart', JSON.stringify(spec));
    canvas.setAttribute('data-chart-reference', String(reference));
    canvas.setAttribute('aria-label', spec.title);
    const figure = canvas.closest('figure');
    const caption = figure?.querySelector('figcaption [data-chart-title]');
    if (caption) caption.textContent = spec.title;
    const description = figure?.querySelector('[data-chart-description]');
    if (description) {
      description.textContent =
        `Bars of each machine's median total time divided by ${referenceLabel}'s, on a logarithmic axis; missing bars are failed or absent variants. ` +
        state.totals.map((row, ri) => `row ${ri + 1}: ${state.labels.map((l, m) => `${l} ${fmtRatio(relative(row, m, reference))}`).join(', ')}`).join('; ') + '.';
    }
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
