import { HarnessError } from './harness-error.ts';
import type { ResolvedSuite } from './results-schema.ts';
import type { ModelVariantPair, ShardSpec } from './types.ts';

/*
 * Splitting a suite's (model, variant) pairs over n machines (CI matrix jobs, Slurm array tasks,
 * Kubernetes indexed pods). Indices are 0-based everywhere in code and in results (`suite.shard.index`);
 * only the command-line form is 1-based, as people count: `--shard 2/4` is index 1 of 4.
 */

/** The suite's pairs in run order: models in suite order, each with the suite's variants in order. */
export function planPairs(suite: Pick<ResolvedSuite, 'models' | 'variants'>): ModelVariantPair[] {
  return suite.models.flatMap((model) => suite.variants.map((v) => ({ model, variant: v.name })));
}

/**
 * Shard `index` (0-based) of `count`: contiguous blocks whose sizes differ by at most one, the first
 * `pairs.length mod count` shards taking one more. Over all indices every pair is in exactly one shard.
 * Blocks rather than round-robin keep a model's variants together (its baseline, which the other
 * variants' fidelity is measured against, comes first in run order), so fewer shards load each model.
 */
export function selectShard<T>(pairs: readonly T[], index: number, count: number): T[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new HarnessError('bad-shard', `shard count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new HarnessError('bad-shard', `shard index must be an integer from 0 to ${count - 1}, got ${index}`);
  }
  const size = Math.floor(pairs.length / count);
  const extra = pairs.length % count;
  const start = index * size + Math.min(index, extra);
  return pairs.slice(start, start + size + (index < extra ? 1 : 0));
}

/** Parses the flag form `i/n` (1-based i, 1 ≤ i ≤ n) into a 0-based ShardSpec. */
export function parseShardSpec(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const accepted = 'expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/4 for the second of four shards';
  if (!match) throw new HarnessError('bad-arguments', `--shard "${text}" is not accepted; ${accepted}`);
  const position = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new HarnessError('bad-arguments', `--shard "${text}": the shard count must be at least 1; ${accepted}`);
  if (!Number.isSafeInteger(position) || position < 1 || position > count) {
    throw new HarnessError('bad-arguments', `--shard "${text}": shard ${position} does not exist among ${count}; ${accepted}`);
  }
  return { index: position - 1, count };
}

/** The flag form of a 0-based shard, e.g. `{ index: 1, count: 4 }` → `2/4`. */
export function formatShardSpec(shard: ShardSpec): string {
  return `${shard.index + 1}/${shard.count}`;
}
