import type { SiteStepRow } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour } from './format.ts';

const figure = (x: number) => String(Number(x.toPrecision(4)));

/** The value a call's decision compared with the threshold: TeaCache's accumulated change, else the measured change. */
const decidingValue = (c: NonNullable<SiteStepRow['decision']>[number]) => c.accumulated ?? c.change;

/**
 * A run-time cache's decisions over the denoising steps: per call of the transformer, the measured value its
 * decision compared with the threshold (line), the threshold (dashed), and whether the call computed the cached
 * blocks or reused them (markers). Steps without a measured value (the first, and steps a cache always computes)
 * are marked at zero. Null when the variant made no decisions.
 */
export function decisionTimelineChart(steps: SiteStepRow[], kind: string, title: string): ChartSpec | null {
  const decided = steps.filter((s) => s.decision !== null);
  if (!decided.length) return null;
  const calls = [...new Set(decided.flatMap((s) => s.decision!.map((c) => c.call)))];
  const labels = steps.map((s) => String(s.index));
  const callOf = (s: SiteStepRow, call: string) => s.decision?.find((c) => c.call === call) ?? null;
  const accumulated = decided.some((s) => s.decision!.some((c) => c.accumulated !== null));
  const measure = accumulated ? 'accumulated rescaled change' : kind === 'first-block-cache' ? "relative L1 change of the first block's residual" : 'measured change';
  const datasets: ChartSpec['datasets'] = calls.flatMap((call, i) => {
    const prefix = calls.length > 1 ? `${call} call: ` : '';
    const value = (s: SiteStepRow) => {
      const c = callOf(s, call);
      return c ? (decidingValue(c) ?? 0) : null;
    };
    const marks = (computed: boolean) => steps.map((s) => (callOf(s, call)?.computed === computed ? value(s) : null));
    return [
      { label: `${prefix}${measure}`, data: steps.map(value), colour: colour(i), draw: 'line' as const },
      { label: `${prefix}computed`, data: marks(true), colour: colour(i), draw: 'points' as const, pointStyle: 'triangle' as const, pointRadius: 7 },
      { label: `${prefix}reused`, data: marks(false), colour: colour(i), draw: 'points' as const, pointStyle: 'rectRot' as const, pointRadius: 7 },
    ];
  });
  const thresholds = [...new Set(decided.map((s) => s.threshold))];
  datasets.push({ label: `threshold ${thresholds.map((t) => (t === null ? '—' : figure(t))).join(', ')}`, data: steps.map((s) => s.threshold), colour: '#555555', draw: 'line', dashed: true });
  const reused = decided.reduce((n, s) => n + s.decision!.filter((c) => !c.computed).length, 0);
  const total = decided.reduce((n, s) => n + s.decision!.length, 0);
  const perStep = decided.map(
    (s) => `step ${s.index}: ${s.decision!.map((c) => `${calls.length > 1 ? `${c.call} ` : ''}${c.computed ? 'computed' : 'reused'}${decidingValue(c) === null ? '' : ` at ${figure(decidingValue(c)!)}`}`).join(', ')}`,
  );
  return {
    type: 'line',
    title,
    xTitle: 'denoising step',
    yTitle: `${measure}, threshold dashed (×)`,
    labels,
    datasets,
    description:
      `The ${measure} each step's decision compared with the threshold (${thresholds.map((t) => (t === null ? '—' : figure(t))).join(', ')}), ` +
      `per transformer call (${calls.join(', ')}), marked computed (triangle) or reused (diamond); steps with nothing measured yet are drawn at 0. ` +
      `${reused} of ${total} calls reused the cached blocks. ${perStep.join('; ')}.`,
  };
}
