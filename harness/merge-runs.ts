import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { HarnessError } from './harness-error.ts';
import { formatPath, parseRunResult } from './results-file.ts';
import type { RunContext, RunResult, VariantResult } from './results-schema.ts';
import { planPairs } from './shard-plan.ts';
import type { MergeOptions, MergeResult, ModelVariantPair, ShardInput } from './types.ts';

/*
 * Joins the results of shards of one suite into one run. Shards must have measured the same suite
 * configuration (everything but `shard`) of the same commit with the same software on the same kind of
 * machine (same hardware fingerprint; host names may differ, as on a cluster), and together must hold
 * every (model, variant) of the suite exactly once.
 */

const CONTEXT_FIELDS: readonly { field: string; of: (c: RunContext) => unknown }[] = [
  { field: 'context.git.commit', of: (c) => c.git?.commit ?? null },
  { field: 'context.git.dirty', of: (c) => c.git?.dirty ?? null },
  { field: 'context.machine.fingerprint', of: (c) => c.machine.fingerprint },
  { field: 'context.executionProvider', of: (c) => c.executionProvider },
  { field: 'context.onnxruntimeNode', of: (c) => c.onnxruntimeNode },
  { field: 'context.node', of: (c) => c.node },
];

/** Merges shard runs; HarnessError 'mismatched-shards', 'duplicate-pair' or 'missing-pairs' names what is wrong. */
export function mergeShardRuns(inputs: readonly ShardInput[], options: MergeOptions = {}): MergeResult {
  if (inputs.length === 0) throw new HarnessError('no-runs', 'nothing to merge');
  const ordered = [...inputs].sort(
    (a, b) => (a.run.suite.shard?.index ?? 0) - (b.run.suite.shard?.index ?? 0) || Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt),
  );
  const first = ordered[0]!;
  const name = (input: ShardInput) => input.file ?? input.run.runId;
  const { shard: _firstShard, ...suite } = first.run.suite;
  for (const input of ordered.slice(1)) {
    const { shard: _shard, ...other } = input.run.suite;
    const path = firstDifferentPath(suite, other, ['suite']);
    if (path) throw mismatch(first, input, formatPath(path), path.slice(1).reduce(at, suite as unknown), path.slice(1).reduce(at, other as unknown));
    const counts = [first.run.suite.shard?.count, input.run.suite.shard?.count];
    if (counts[0] !== undefined && counts[1] !== undefined && counts[0] !== counts[1]) throw mismatch(first, input, 'suite.shard.count', counts[0], counts[1]);
    for (const { field, of } of CONTEXT_FIELDS) {
      const a = of(first.run.context);
      const b = of(input.run.context);
      if (a !== b) throw mismatch(first, input, field, a, b);
    }
  }
  const sourceOf = new Map<string, ShardInput>();
  const variants: VariantResult[] = [];
  for (const input of ordered) {
    for (const result of input.run.variants) {
      const key = JSON.stringify([result.model, result.variant.name]);
      const earlier = sourceOf.get(key);
      if (earlier) {
        throw new HarnessError('duplicate-pair', `${result.model} / ${result.variant.name} is in both ${name(earlier)} and ${name(input)}; each pair must come from one shard`);
      }
      sourceOf.set(key, input);
      variants.push(rebasePreviews(result, input.file, options.outFile));
    }
  }
  const plan = planPairs(suite);
  const missingPairs: ModelVariantPair[] = plan.filter((p) => !sourceOf.has(JSON.stringify([p.model, p.variant])));
  if (missingPairs.length > 0 && !options.allowPartial) {
    const shown = missingPairs.slice(0, 8).map((p) => `${p.model} / ${p.variant}`);
    const more = missingPairs.length > shown.length ? ` and ${missingPairs.length - shown.length} more` : '';
    throw new HarnessError('missing-pairs', `the shards lack ${missingPairs.length} of the suite's ${plan.length} pairs (${shown.join(', ')}${more}); pass --allow-partial to merge anyway`);
  }
  const rank = new Map(plan.map((p, i) => [JSON.stringify([p.model, p.variant]), i]));
  variants.sort((a, b) => (rank.get(JSON.stringify([a.model, a.variant.name])) ?? plan.length) - (rank.get(JSON.stringify([b.model, b.variant.name])) ?? plan.length));
  const startedAt = ordered.map((i) => i.run.startedAt).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  const finishedAt = ordered.map((i) => i.run.finishedAt).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  const earliest = ordered.find((i) => i.run.startedAt === startedAt)!.run;
  const merged: RunResult = {
    schemaVersion: first.run.schemaVersion,
    runId: options.runId ?? `${earliest.runId}-merged`,
    startedAt,
    finishedAt,
    suite,
    context: mergedContext(ordered.map((i) => i.run.context)),
    ...(first.run.calibration ? { calibration: first.run.calibration } : {}),
    variants,
  };
  return { run: parseRunResult(merged, 'merged run'), missingPairs };
}

function mismatch(a: ShardInput, b: ShardInput, field: string, left: unknown, right: unknown): HarnessError {
  const name = (input: ShardInput) => input.file ?? input.run.runId;
  return new HarnessError('mismatched-shards', `${name(a)} and ${name(b)} differ in ${field}: ${JSON.stringify(left)} vs ${JSON.stringify(right)}; only shards of one suite, commit and machine type can be merged`);
}

function mergedContext(contexts: readonly RunContext[]): RunContext {
  const first = contexts[0]!;
  const hostnames = [...new Set(contexts.map((c) => c.machine.hostname))];
  const gpus = [...new Map(contexts.flatMap((c) => c.gpus).map((g) => [g.uuid, g])).values()];
  return { ...first, machine: { ...first.machine, hostname: hostnames.join(', ') }, gpus };
}

function rebasePreviews(result: VariantResult, file: string | undefined, outFile: string | undefined): VariantResult {
  if (result.status !== 'ok' || !result.previews || file === undefined || outFile === undefined) return result;
  const from = dirname(resolve(file));
  const to = dirname(resolve(outFile));
  const rebase = (p: string) => {
    const moved = relative(to, resolve(from, p));
    return isAbsolute(moved) ? p : moved.split(sep).join('/');
  };
  const previews = Object.fromEntries(Object.entries(result.previews).map(([k, p]) => [k, rebase(p)])) as typeof result.previews;
  return { ...result, previews };
}

function at(value: unknown, key: string | number): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
}

/** The path to the first value that differs between two JSON-like values, or null when they are equal. */
function firstDifferentPath(a: unknown, b: unknown, path: (string | number)[]): (string | number)[] | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const found = firstDifferentPath(a[i], b[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const key of keys) {
    const found = firstDifferentPath((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return null;
}
