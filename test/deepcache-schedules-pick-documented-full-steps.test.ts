import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fullStepIndices, quadCenterSteps } from '../pipelines/deepcache-schedule.ts';

// Recorded by tools/reference/deepcache_schedule_reference.py from the deepcache package's own function.
const reference = JSON.parse(readFileSync(new URL('./fixtures/deepcache-schedule-reference.json', import.meta.url), 'utf8')) as {
  cases: { steps: number; interval: number; center: number; power: number; fullSteps?: number[]; finalPower?: number; error?: string }[];
};

describe('DeepCache full-step schedules', () => {
  it('uniform: every N-th step from 0', () => {
    expect(fullStepIndices(10, { interval: 3, schedule: 'uniform', center: 0, power: 1.4 })).toEqual([0, 3, 6, 9]);
    expect(fullStepIndices(8, { interval: 2, schedule: 'uniform', center: 0, power: 1.4 })).toEqual([0, 2, 4, 6]);
    expect(fullStepIndices(5, { interval: 1, schedule: 'uniform', center: 0, power: 1.4 })).toEqual([0, 1, 2, 3, 4]);
  });

  it.each(reference.cases.filter((c) => c.fullSteps))('non-uniform matches DeepCache for $steps steps, N=$interval, center $center, power $power', (c) => {
    expect(fullStepIndices(c.steps, { interval: c.interval, schedule: 'non-uniform', center: c.center, power: c.power })).toEqual(c.fullSteps);
    expect(quadCenterSteps(c.steps, c.fullSteps!.length, c.center, c.power).power).toBeCloseTo(c.finalPower!, 9);
  });

  it.each(reference.cases.filter((c) => c.error))('non-uniform refuses what DeepCache refuses: $steps steps, N=$interval, center $center', (c) => {
    expect(() => fullStepIndices(c.steps, { interval: c.interval, schedule: 'non-uniform', center: c.center, power: c.power })).toThrow(/no non-uniform schedule/);
  });

  it('non-uniform places full steps denser near the centre than far from it', () => {
    const steps = fullStepIndices(50, { interval: 2, schedule: 'non-uniform', center: 15, power: 1.4 });
    const gaps = steps.slice(1).map((s, i) => s - steps[i]!);
    const nearCentre = gaps.filter((_, i) => Math.abs(steps[i]! - 15) <= 5);
    const late = gaps.filter((_, i) => steps[i]! >= 35);
    expect(Math.max(...nearCentre)).toBeLessThan(Math.max(...late));
  });

  it('rejects an interval below 1 naming the value', () => {
    expect(() => fullStepIndices(10, { interval: 0, schedule: 'uniform', center: 0, power: 1.4 })).toThrow(/cacheInterval must be an integer ≥ 1, got 0/);
  });
});
