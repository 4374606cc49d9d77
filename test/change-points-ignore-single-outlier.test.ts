import { expect, it } from 'vitest';
import { createSeededRandom } from '../pipelines/seeded-random.ts';
import { detectChangePoints } from '../reports/change-points.ts';

function noisy(seed: number, length: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length }, () => 950 * (1 + 0.02 * random.nextGaussian()));
}

it.each([1, 2, 3, 4, 5, 6])('seed %i: one run three times slower, anywhere in the series, is not a change point', (seed) => {
  for (const at of [0, 1, 12, 28, 29]) {
    const values = noisy(seed, 30);
    values[at] = 3 * 950;
    expect(detectChangePoints(values), `outlier at ${at}`).toEqual([]);
  }
});

it('one run far faster is not a change point either', () => {
  const values = noisy(9, 25);
  values[13] = 95;
  expect(detectChangePoints(values)).toEqual([]);
});

it('one outlier beside a real step leaves the step where it is', () => {
  const values = noisy(10, 30).map((v, i) => (i >= 18 ? v * 1.25 : v));
  values[7] = 4000;
  expect(detectChangePoints(values).map((c) => c.index)).toEqual([18]);
});
