import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-merge.ts';
import { mergeShardRuns } from '../harness/merge-runs.ts';
import { readResultsFile, writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';
import { splitIntoShards } from './fixtures/split-into-shards.ts';

it('merged shards, given in any order, are the complete run without its shard field', () => {
  const whole = makeExampleRun({ runId: 'nightly' });
  const shards = splitIntoShards(whole, 4).reverse();
  shards[0]!.context.machine.hostname = 'bench-cpu-2';
  const { run, missingPairs } = mergeShardRuns(shards.map((s) => ({ run: s })));
  expect(missingPairs).toEqual([]);
  expect(run.variants).toEqual(whole.variants);
  expect(run.suite.shard).toBeUndefined();
  expect(run.suite).toEqual(whole.suite);
  expect(run.runId).toBe('nightly-shard1of4-merged');
  expect(run.context.machine.hostname).toBe('bench-cpu-1, bench-cpu-2');
});

it('`lightbench merge` reads shard folders, rebases preview paths onto the merged file, and writes a valid run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-merge-'));
  const shards = splitIntoShards(makeExampleRun({ runId: 'nightly' }), 2);
  for (const [i, shard] of shards.entries()) {
    await mkdir(join(dir, 'results', `shard-${i + 1}`), { recursive: true });
    await writeResultsFile(join(dir, 'results', `shard-${i + 1}`, `${shard.runId}.json`), shard);
  }
  const out = join(dir, 'merged', 'nightly.json');
  expect(await main([join(dir, 'results', 'shard-1'), join(dir, 'results', 'shard-2'), '--out', out, '--run-id', 'nightly-all'])).toBe(0);
  const merged = await readResultsFile(out);
  expect(merged.runId).toBe('nightly-all');
  expect(merged.variants).toHaveLength(10);
  const last = merged.variants.at(-1)!;
  if (last.status !== 'ok') throw new Error('expected an ok result');
  expect(last.previews!.first).toBe('../results/shard-2/previews/nightly/svd-tiny/lightcache/frame-000.png');
  await expect(main([join(dir, 'results', 'shard-1'), '--out', join(dir, 'partial.json')])).rejects.toThrow(/--allow-partial/);
  expect(await main([join(dir, 'results', 'shard-1'), '--out', join(dir, 'partial.json'), '--allow-partial'])).toBe(0);
});
