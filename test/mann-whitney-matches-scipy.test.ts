import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { mannWhitneyU, minAttainablePValue } from '../reports/mann-whitney.ts';

interface ScipyCase {
  name: string;
  x: number[];
  y: number[];
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

// Recorded with scipy.stats.mannwhitneyu; the generating script is in the fixture.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/mann-whitney-scipy.json', import.meta.url), 'utf8')) as { cases: ScipyCase[] };

it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: U, method and two-sided p equal scipy', (_name, c) => {
  const result = mannWhitneyU(c.x, c.y);
  expect(result.u1).toBe(c.statistic);
  expect(result.method).toBe(c.method);
  expect(Math.abs(result.pValue - c.pValue)).toBeLessThanOrEqual(1e-12 * c.pValue);
});

it('covers both methods, ties, and p-values from 1e-7 to 1', () => {
  const methods = new Set(fixture.cases.map((c) => c.method));
  expect(methods).toEqual(new Set(['exact', 'asymptotic']));
  const ps = fixture.cases.map((c) => c.pValue);
  expect(Math.min(...ps)).toBeLessThan(1e-6);
  expect(Math.max(...ps)).toBe(1);
});

it('the smallest attainable p is that of completely separated samples', () => {
  const separated = fixture.cases.find((c) => c.name === 'n=3,3 fully separated')!;
  expect(minAttainablePValue(3, 3)).toBe(separated.pValue);
  expect(minAttainablePValue(3, 3)).toBeGreaterThan(0.05);
  expect(minAttainablePValue(4, 4)).toBeCloseTo(2 / 70, 15);
  expect(minAttainablePValue(5, 5)).toBeCloseTo(2 / 252, 15);
});
