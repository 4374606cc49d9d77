import { expect, it } from 'vitest';
import { downsampleMinMax } from '../reports/site-timeline.ts';

it('keeps at most the requested points, in time order, with every bucket extreme', () => {
  // A sawtooth with one narrow spike: a plain every-nth-sample reduction would drop the spike.
  const points: [number, number][] = Array.from({ length: 5000 }, (_, i) => [i * 10, (i % 97) + (i === 3131 ? 10_000 : 0)]);
  const reduced = downsampleMinMax(points, 400);
  expect(reduced.length).toBeLessThanOrEqual(400);
  expect(reduced.length).toBeGreaterThan(300);
  expect(reduced.map(([t]) => t)).toEqual([...reduced.map(([t]) => t)].sort((a, b) => a - b));
  expect(reduced).toContainEqual([31_310, 10_000 + (3131 % 97)]);
  expect(Math.min(...reduced.map(([, v]) => v))).toBe(0);
  const original = new Set(points.map(([t, v]) => `${t}:${v}`));
  expect(reduced.filter(([t, v]) => !original.has(`${t}:${v}`))).toEqual([]);
});

it('returns a short series unchanged', () => {
  const points: [number, number][] = [
    [0, 5],
    [10, 7],
    [20, 6],
  ];
  expect(downsampleMinMax(points, 400)).toEqual(points);
});
