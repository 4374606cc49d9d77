import { expect, it } from 'vitest';
import { createSeededRandom } from '../pipelines/seeded-random.ts';
import { detectChangePoints } from '../reports/change-points.ts';

/** `length` values around `level` with Gaussian noise of `noisePct` percent, multiplied by `factor` from `stepAt` on. */
function series(seed: number, length: number, stepAt: number, factor: number, level = 1400, noisePct = 2): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length }, (_, i) => level * (i >= stepAt ? factor : 1) * (1 + (noisePct / 100) * random.nextGaussian()));
}

it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: a 15% step in 2% noise is found at its first point, and only it', (seed) => {
  const changes = detectChangePoints(series(seed, 40, 25, 1.15));
  expect(changes).toHaveLength(1);
  expect(changes[0]!.index).toBe(25);
  expect(changes[0]!.relativeShift).toBeGreaterThan(0.1);
  expect(changes[0]!.relativeShift).toBeLessThan(0.2);
});

it('two steps, up then down, are both found where they are', () => {
  const values = series(11, 45, 15, 1.2).map((v, i) => (i >= 30 ? v / 1.2 / 1.1 : v));
  expect(detectChangePoints(values).map((c) => c.index)).toEqual([15, 30]);
});

it('a flat memory series with one 3% step is found with a 2% minimum shift, and not with 5%', () => {
  const mib = 2 ** 20;
  const values = [...Array(10).fill(812 * mib), ...Array(6).fill(836 * mib)];
  expect(detectChangePoints(values, { minRelativeShift: 0.02 })).toEqual([{ index: 10, before: 812 * mib, after: 836 * mib, relativeShift: 24 / 812 }]);
  expect(detectChangePoints(values, { minRelativeShift: 0.05 })).toEqual([]);
});

it('a step confirmed by two points after it is found; one point alone waits for the next run', () => {
  const base = series(21, 20, 99, 1);
  expect(detectChangePoints([...base, 1400 * 1.3, 1400 * 1.3]).map((c) => c.index)).toEqual([20]);
  expect(detectChangePoints([...base, 1400 * 1.3])).toEqual([]);
});
