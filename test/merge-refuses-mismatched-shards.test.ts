import { expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { mergeShardRuns } from '../harness/merge-runs.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';
import { splitIntoShards } from './fixtures/split-into-shards.ts';

function refusal(inputs: Parameters<typeof mergeShardRuns>[0], options?: Parameters<typeof mergeShardRuns>[1]): HarnessError {
  try {
    mergeShardRuns(inputs, options);
  } catch (error) {
    if (error instanceof HarnessError) return error;
    throw error;
  }
  throw new Error('the merge was accepted');
}

it('refuses shards of a different suite, naming the field', () => {
  const [a, b, c] = splitIntoShards(makeExampleRun(), 3);
  c!.suite.steps = 16;
  const error = refusal([{ run: a!, file: 'a.json' }, { run: b!, file: 'b.json' }, { run: c!, file: 'c.json' }]);
  expect(error.code).toBe('mismatched-shards');
  expect(error.message).toBe('a.json and c.json differ in suite.steps: 8 vs 16; only shards of one suite, commit and machine type can be merged');
});

it('refuses shards whose variant settings differ, naming the nested field', () => {
  const [a, b] = splitIntoShards(makeExampleRun(), 2);
  b!.suite.variants[1]!.cacheInterval = 2;
  expect(refusal([{ run: a! }, { run: b! }]).message).toContain('differ in suite.variants[1].cacheInterval: 3 vs 2');
});

it('refuses shards of different commits', () => {
  const [a] = splitIntoShards(makeExampleRun(), 2);
  const [, b] = splitIntoShards(makeExampleRun({ commit: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0' }), 2);
  const error = refusal([{ run: a! }, { run: b! }]);
  expect(error.code).toBe('mismatched-shards');
  expect(error.message).toContain('differ in context.git.commit: "3f9c2e1d8b7a6c5e4f3a2b1c0d9e8f7a6b5c4d3e" vs "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"');
});

it('refuses shards from different hardware and a different shard count', () => {
  const [a] = splitIntoShards(makeExampleRun(), 2);
  const [, b] = splitIntoShards(makeExampleRun(), 2);
  b!.context.machine.fingerprint = 'ffffffffffffffff';
  expect(refusal([{ run: a! }, { run: b! }]).message).toContain('context.machine.fingerprint');
  const [, c] = splitIntoShards(makeExampleRun(), 3);
  expect(refusal([{ run: a! }, { run: c! }]).message).toContain('differ in suite.shard.count: 2 vs 3');
});

it('refuses a pair that two shards both hold', () => {
  const [a, b] = splitIntoShards(makeExampleRun(), 2);
  b!.variants.push(a!.variants[0]!);
  const error = refusal([{ run: a!, file: 'a.json' }, { run: b!, file: 'b.json' }]);
  expect(error.code).toBe('duplicate-pair');
  expect(error.message).toBe('animatediff-tiny / baseline is in both a.json and b.json; each pair must come from one shard');
});

it('refuses missing pairs unless partial merges are allowed', () => {
  const [a, , c] = splitIntoShards(makeExampleRun(), 3);
  const error = refusal([{ run: a! }, { run: c! }]);
  expect(error.code).toBe('missing-pairs');
  expect(error.message).toMatch(/lack 3 of the suite's 10 pairs \(animatediff-tiny \/ lightcache, svd-tiny \/ baseline, svd-tiny \/ deepcache\); pass --allow-partial/);
  const partial = mergeShardRuns([{ run: a! }, { run: c! }], { allowPartial: true });
  expect(partial.run.variants).toHaveLength(7);
  expect(partial.missingPairs.map((p) => `${p.model}/${p.variant}`)).toEqual(['animatediff-tiny/lightcache', 'svd-tiny/baseline', 'svd-tiny/deepcache']);
});
