// Filters a page by model, variant and device. Any element with `data-filter-<kind>` (a JSON list of names) is
// hidden while the <select data-filter="<kind>"> picks a name not in its list; chart datasets with a `variant`
// are shown only for the picked variant, and a variant's threshold band only when that variant alone is picked.
import { Chart } from 'chart.js';
import type { ChartSpec } from '../lib/chart-spec.ts';

const selects = [...document.querySelectorAll<HTMLSelectElement>('select[data-filter]')];

function picked(): Record<string, string> {
  return Object.fromEntries(selects.map((s) => [s.dataset.filter!, s.value]));
}

function apply(): void {
  const choice = picked();
  for (const [kind, value] of Object.entries(choice)) {
    for (const el of document.querySelectorAll<HTMLElement>(`[data-filter-${kind}]`)) {
      const names = JSON.parse(el.getAttribute(`data-filter-${kind}`) ?? '[]') as string[];
      const hide = value !== '' && !names.includes(value);
      el.toggleAttribute(`data-hidden-by-${kind}`, hide);
      el.hidden = [...el.attributes].some((a) => a.name.startsWith('data-hidden-by-'));
    }
  }
  const variant = choice.variant ?? '';
  for (const canvas of document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')) {
    const chart = Chart.getChart(canvas);
    if (!chart) continue;
    const spec = JSON.parse(canvas.dataset.chart ?? '{}') as ChartSpec;
    let changed = false;
    spec.datasets.forEach((d, i) => {
      if (d.variant === undefined) return;
      const visible = d.role === 'threshold' ? variant !== '' && d.variant === variant : variant === '' || d.variant === variant;
      if (chart.isDatasetVisible(i) !== visible) {
        chart.setDatasetVisibility(i, visible);
        changed = true;
      }
    });
    if (changed) {
      canvas.setAttribute('data-chart-drawn', 'false');
      chart.update();
    }
  }
  const shown = document.querySelector<HTMLElement>('[data-filter-count]');
  if (shown) {
    const rows = [...document.querySelectorAll<HTMLElement>(shown.dataset.filterCount ?? '')];
    shown.textContent = `${rows.filter((r) => !r.hidden).length} of ${rows.length} shown`;
  }
}

for (const select of selects) select.addEventListener('change', apply);
apply();
