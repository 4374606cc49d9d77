import { describe, expect, it } from 'vitest';
import type { SiteStepRow } from '../reports/types.ts';
import { decisionText } from '../site/src/lib/decision-text.ts';

describe("a mag-cache step's decision on the variant page", () => {
  it("shows the step's ratio, the accumulated error and how many steps were counted since the call last computed", () => {
    const row: SiteStepRow = {
      index: 3,
      timestep: 833,
      kind: 'cached',
      msPerRun: [1],
      medianMs: 1,
      decision: [{ call: 'batch', computed: false, change: 0.9962, accumulated: 0.01466, skipSteps: 2 }],
      decisionVaries: false,
      threshold: 0.06,
    };
    expect(decisionText(row)).toBe('batch reused (change 0.9962, sum 0.01466, count 2)');
  });
});
