import { expect, it } from 'vitest';
import { createSeededRandom } from '../pipelines/seeded-random.ts';
import { detectChangePoints, robustNoiseScale } from '../reports/change-points.ts';

it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('seed %i: pure Gaussian noise of 60 runs has no change point, even with no minimum shift', (seed) => {
  const random = createSeededRandom(seed);
  const values = Array.from({ length: 60 }, () => 1200 * (1 + 0.03 * random.nextGaussian()));
  expect(detectChangePoints(values, { minRelativeShift: 0 })).toEqual([]);
});

it.each([1, 2, 3, 4, 5, 6])('seed %i: heavy-tailed noise (one run in ten up to 20% slow) has no change point', (seed) => {
  const random = createSeededRandom(seed + 100);
  const values = Array.from({ length: 50 }, () => 300 * (1 + 0.02 * random.nextGaussian() + (random.nextFloat() < 0.1 ? 0.2 * random.nextFloat() : 0)));
  expect(detectChangePoints(values)).toEqual([]);
});

it('the noise estimate follows the run-to-run spread and ignores a step', () => {
  const random = createSeededRandom(42);
  const noise = Array.from({ length: 200 }, () => 100 + 5 * random.nextGaussian());
  expect(robustNoiseScale(noise)).toBeGreaterThan(4);
  expect(robustNoiseScale(noise)).toBeLessThan(6);
  const stepped = noise.map((v, i) => (i >= 100 ? v + 50 : v));
  expect(Math.abs(robustNoiseScale(stepped) - robustNoiseScale(noise))).toBeLessThan(0.5);
});

it('a constant series has no change point and a positive noise floor', () => {
  expect(detectChangePoints(Array(30).fill(512))).toEqual([]);
  expect(robustNoiseScale(Array(30).fill(512))).toBeCloseTo(0.512, 10);
});
