import { errorFunction, probit } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, gaussianNoise } from '../pipelines/seeded-random.ts';

const COUNT = 1_000_000;

function normalCdf(x: number): number {
  return 0.5 * (1 + errorFunction(x / Math.SQRT2));
}

// Wilson-Hilferty approximation of a chi-square quantile, within a fraction of a percent at 99 degrees of freedom.
function chiSquareQuantile(probability: number, degrees: number): number {
  const spread = 2 / (9 * degrees);
  return degrees * (1 - spread + probit(probability) * Math.sqrt(spread)) ** 3;
}

describe('seeded random distributions', () => {
  it('gaussian draws have mean ≈ 0, std ≈ 1 and normal tails', () => {
    const draws = gaussianNoise(2024, COUNT);
    let sum = 0;
    let sumSquares = 0;
    let beyondThree = 0;
    for (const x of draws) {
      sum += x;
      sumSquares += x * x;
      if (Math.abs(x) > 3) beyondThree += 1;
    }
    const mean = sum / COUNT;
    const std = Math.sqrt(sumSquares / COUNT - mean * mean);
    // Five standard errors: 0.005 for the mean, about 0.0035 for the std over 1e6 draws.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(std - 1)).toBeLessThan(0.0035);
    const tailExpected = 2 * (1 - normalCdf(3));
    expect(Math.abs(beyondThree / COUNT - tailExpected)).toBeLessThan(5 * Math.sqrt(tailExpected / COUNT));
  });

  it('gaussian draws follow the normal CDF (Kolmogorov-Smirnov distance)', () => {
    const sorted = gaussianNoise(77, COUNT).sort();
    let distance = 0;
    for (let i = 0; i < COUNT; i += 97) {
      const cdf = normalCdf(sorted[i]);
      distance = Math.max(distance, Math.abs(cdf - i / COUNT), Math.abs(cdf - (i + 1) / COUNT));
    }
    // The 0.1% critical value of the KS statistic is 1.95/√n.
    expect(distance).toBeLessThan(1.95 / Math.sqrt(COUNT));
  });

  it('uniform floats fill [0, 1) evenly', () => {
    const random = createSeededRandom(31);
    const bins = new Array<number>(100).fill(0);
    for (let i = 0; i < COUNT; i++) bins[Math.floor(random.nextFloat() * 100)] += 1;
    let chiSquare = 0;
    for (const observed of bins) chiSquare += (observed - COUNT / 100) ** 2 / (COUNT / 100);
    expect(chiSquare).toBeLessThan(chiSquareQuantile(0.999, 99));
  });
});
