import { describe, expect, it } from 'vitest';
import type { StepRecord, VariantOk } from '../harness/results-schema.ts';
import { siteDetails } from '../reports/site-detail.ts';
import { PreviewAssets } from '../reports/site-previews.ts';
import { decisionText } from '../site/src/lib/decision-text.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

// pab's decision per call is which attention kinds were broadcast; the detail page's step table says so.
describe('detail page steps of pab', () => {
  it('name the attention kinds each call broadcast, or that it computed them', () => {
    const run = makeExampleRun({ repeats: 1 });
    const cached = run.variants.find((v): v is VariantOk => v.status === 'ok' && v.variant.kind !== 'baseline')!;
    const decide = (step: StepRecord): StepRecord => {
      const attention = (iteration: number, spatial: boolean, cross: boolean) => [
        { kind: 'spatial' as const, computed: spatial, iteration, inTimestepRange: step.index > 0 },
        { kind: 'cross' as const, computed: cross, iteration, inTimestepRange: step.index > 0 },
      ];
      const negative = attention(2 * step.index + 1, step.index === 0, step.index !== 1);
      const prompt = attention(2 * step.index, true, true);
      return {
        ...step,
        decision: {
          method: 'pab',
          calls: [
            { call: 'negative', computed: negative.every((a) => a.computed), change: null, attention: negative },
            { call: 'prompt', computed: true, change: null, attention: prompt },
          ],
        },
      };
    };
    cached.runs = cached.runs.map((r) => ({ ...r, steps: r.steps.map(decide) }));
    const detail = siteDetails({ file: 'run.json', run }, new PreviewAssets(() => false), 100).find((d) => d.variant === cached.variant.name)!;
    if (detail.status !== 'ok') throw new Error('expected an ok detail');
    const [first, second, third] = detail.steps;
    expect(decisionText(first!)).toBe('negative computed; prompt computed');
    expect(decisionText(second!)).toBe('negative broadcast spatial and cross attention; prompt computed');
    expect(decisionText(third!)).toBe('negative broadcast spatial attention; prompt computed');
  });
});
