import { expect, it } from 'vitest';
import { planPairs, selectShard } from '../harness/shard-plan.ts';
import { EXAMPLE_VARIANT_SPECS } from './fixtures/make-example-run.ts';

const suites = [
  { models: ['animatediff-tiny', 'svd-tiny'], variants: [...EXAMPLE_VARIANT_SPECS] },
  { models: ['small'], variants: EXAMPLE_VARIANT_SPECS.slice(0, 3) },
  { models: ['a', 'b', 'c'], variants: EXAMPLE_VARIANT_SPECS.slice(0, 1) },
  { models: ['only'], variants: EXAMPLE_VARIANT_SPECS.slice(0, 1) },
];

it('plans models in suite order, each with the suite variants in order', () => {
  expect(planPairs(suites[1]!)).toEqual([
    { model: 'small', variant: 'baseline' },
    { model: 'small', variant: 'deepcache' },
    { model: 'small', variant: 'fme' },
  ]);
  expect(planPairs(suites[0]!)).toHaveLength(10);
});

it.each([1, 2, 3, 4, 5, 6, 7])('with %i shards every pair is in exactly one shard, sizes differ by at most one, order is kept', (count) => {
  for (const suite of suites) {
    const pairs = planPairs(suite);
    const shards = Array.from({ length: count }, (_, i) => selectShard(pairs, i, count));
    expect(shards.flat()).toEqual(pairs);
    const sizes = shards.map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    // Deterministic: the same call gives the same shard.
    expect(shards.map((_, i) => selectShard(planPairs(suite), i, count))).toEqual(shards);
  }
});

it('refuses an index outside 0..count-1 and a count below 1', () => {
  const pairs = planPairs(suites[0]!);
  expect(() => selectShard(pairs, 4, 4)).toThrow(/from 0 to 3, got 4/);
  expect(() => selectShard(pairs, -1, 4)).toThrow(/got -1/);
  expect(() => selectShard(pairs, 0, 0)).toThrow(/positive integer/);
});
