import { describe, expect, it } from 'vitest';
import type { StepRecord, VariantOk } from '../harness/results-schema.ts';
import { siteDetails } from '../reports/site-detail.ts';
import { PreviewAssets } from '../reports/site-previews.ts';
import { decisionText } from '../site/src/lib/decision-text.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

// A run-time cache's per-step decisions reach the detail page's step table beside the step latencies: the first
// measured run's decision per call, flagged where another run decided differently. Other variants have none.
describe('detail page steps of a run-time cache', () => {
  it('carry the first run\'s decision per call and say where the runs disagreed', () => {
    const run = makeExampleRun({ repeats: 2 });
    const cached = run.variants.find((v): v is VariantOk => v.status === 'ok' && v.variant.kind !== 'baseline')!;
    const decide = (step: StepRecord, run: number): StepRecord => ({
      ...step,
      decision: {
        method: 'teacache',
        threshold: 0.1,
        calls: [
          { call: 'negative', computed: step.index === 0, change: step.index === 0 ? null : 0.05, ...(step.index === 0 ? {} : { accumulated: 0.05 * step.index }) },
          // The second run computes the prompt's call at step 1, the first reuses it.
          { call: 'prompt', computed: step.index === 0 || (run === 1 && step.index === 1), change: step.index === 0 ? null : 0.04 },
        ],
      },
    });
    cached.runs = cached.runs.map((r, i) => ({ ...r, steps: r.steps.map((s) => decide(s, i)) }));
    const details = siteDetails({ file: 'run.json', run }, new PreviewAssets(() => false), 100);
    const detail = details.find((d) => d.variant === cached.variant.name)!;
    if (detail.status !== 'ok') throw new Error('expected an ok detail');
    const [first, second, third] = detail.steps;
    expect(first!.decision).toEqual([
      { call: 'negative', computed: true, change: null, accumulated: null },
      { call: 'prompt', computed: true, change: null, accumulated: null },
    ]);
    expect(second!.decision![1]).toEqual({ call: 'prompt', computed: false, change: 0.04, accumulated: null });
    expect([first!.decisionVaries, second!.decisionVaries, third!.decisionVaries]).toEqual([false, true, false]);
    expect(decisionText(third!)).toBe('negative reused (change 0.05, sum 0.1); prompt reused (change 0.04)');
    expect(decisionText(second!)).toMatch(/other runs decided differently$/);

    const plain = details.find((d) => d.variant === 'baseline')!;
    if (plain.status !== 'ok') throw new Error('expected an ok baseline');
    expect(plain.steps.every((s) => s.decision === null && !s.decisionVaries)).toBe(true);
    expect(decisionText(plain.steps[0]!)).toBe('');
  });
});
