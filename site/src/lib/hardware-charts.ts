import type { SiteHardwareGroup } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour } from './format.ts';

/** A machine's value ÷ the reference machine's, null where either is missing. */
export function relativeTo(values: (number | null)[], reference: number): (number | null)[] {
  const ref = values[reference] ?? null;
  return values.map((v) => (v === null || ref === null || ref === 0 ? null : v / ref));
}

/** Total time of every (model, variant) on each machine relative to the reference machine. */
export function hardwareChart(g: SiteHardwareGroup, reference: number): ChartSpec {
  return {
    type: 'bar',
    title: `${g.suiteName}: total time relative to ${g.machines[reference]?.label ?? 'the reference'}`,
    xTitle: 'model / variant',
    yTitle: 'total time ÷ reference machine (×, lower is faster)',
    labels: g.rows.map((r) => `${r.model} / ${r.variant}`),
    datasets: g.machines.map((m, i) => ({ label: m.label, data: g.rows.map((r) => relativeTo(r.totalMedianMs, reference)[i] ?? null), colour: colour(i) })),
  };
}
