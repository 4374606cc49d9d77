import { describe, expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import { loadInsideTotal, siteOverview } from '../reports/site-overview.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const stackOf = (run: ReturnType<typeof makeExampleRun>) =>
  siteOverview(run, () => null).models.flatMap((m) => m.rows.flatMap((r) => (r.status === 'ok' ? [{ variant: r.variant, parts: r.totalParts, total: r.stagesMedianMs.total }] : [])));

describe('the overview stacks the parts of a call', () => {
  it('includes load when the run timed it inside total (as the harness does), and the parts add up to the median total', () => {
    const run = makeExampleRun({ loadInsideTotal: true, repeats: 4 });
    expect(loadInsideTotal(run)).toBe(true);
    for (const { variant, parts, total } of stackOf(run)) {
      expect(parts.map((p) => p.part)).toEqual(['load', 'encode', 'denoise', 'decode', 'other']);
      expect(parts.reduce((sum, p) => sum + p.ms, 0), variant).toBeCloseTo(total, 6);
      for (const p of parts) expect(p.ms).toBeGreaterThanOrEqual(0);
    }
    // Swap creates sessions inside the stages: its load is tiny and its encode carries the encoder's creation.
    const swap = stackOf(run).find((s) => s.variant === 'lightcache-swap')!;
    const baseline = stackOf(run).find((s) => s.variant === 'baseline')!;
    expect(swap.parts[0]!.ms).toBeLessThan(baseline.parts[0]!.ms / 100);
  });

  it('leaves load out when a run timed it apart from total', () => {
    const run = makeExampleRun({ loadInsideTotal: false });
    expect(loadInsideTotal(run)).toBe(false);
    for (const { parts, total } of stackOf(run)) {
      expect(parts.map((p) => p.part)).toEqual(['encode', 'denoise', 'decode', 'other']);
      expect(parts.reduce((sum, p) => sum + p.ms, 0)).toBeCloseTo(total, 6);
    }
  });

  it('marks as Pareto-optimal exactly the variants no other variant beats on both time and memory', () => {
    const run = makeExampleRun({ loadInsideTotal: true });
    for (const m of siteOverview(run, () => null).models) {
      for (const p of m.tradeoff) {
        const beaten = m.tradeoff.some((q) => q !== p && q.totalMedianMs <= p.totalMedianMs && q.peakBytes <= p.peakBytes && (q.totalMedianMs < p.totalMedianMs || q.peakBytes < p.peakBytes));
        expect(p.pareto, `${m.model} / ${p.variant}`).toBe(!beaten);
      }
      expect(m.tradeoff.some((p) => p.pareto)).toBe(true);
      expect(m.tradeoff).toHaveLength(run.variants.filter((v): v is VariantOk => v.status === 'ok' && v.model === m.model).length);
    }
  });
});
