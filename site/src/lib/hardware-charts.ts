import type { SiteHardwareGroup } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtRatio } from './format.ts';

/** A machine's value ÷ the reference machine's, null where either is missing. */
export function relativeTo(values: (number | null)[], reference: number): (number | null)[] {
  const ref = values[reference] ?? null;
  return values.map((v) => (v === null || ref === null || ref === 0 ? null : v / ref));
}

/** The chart's title for a reference machine; the page script sets the same text when the reference changes. */
export function hardwareTitle(suiteName: string, referenceLabel: string): string {
  return `${suiteName}: total time relative to ${referenceLabel} (log scale)`;
}

/** Total time of every (model, variant) on each machine relative to the reference machine, on a log axis. */
export function hardwareChart(g: SiteHardwareGroup, reference: number): ChartSpec {
  const datasets = g.machines.map((m, i) => ({ label: m.label, data: g.rows.map((r) => relativeTo(r.totalMedianMs, reference)[i] ?? null), colour: colour(i) }));
  return {
    type: 'bar',
    title: hardwareTitle(g.suiteName, g.machines[reference]?.label ?? 'the reference'),
    xTitle: 'model / variant',
    yTitle: 'total time ÷ reference machine (×, lower is faster)',
    labels: g.rows.map((r) => `${r.model} / ${r.variant}`),
    datasets,
    yLog: true,
    description:
      `Bars of each machine's median total time divided by ${g.machines[reference]?.label ?? 'the reference'}'s, on a logarithmic axis; missing bars are failed or absent variants. ` +
      g.rows.map((r, ri) => `${r.model} / ${r.variant}: ${datasets.map((d) => `${d.label} ${fmtRatio(d.data[ri] ?? null)}`).join(', ')}`).join('; ') +
      '.',
  };
}
