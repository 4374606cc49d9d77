import { HarnessError } from '../harness/harness-error.ts';
import type { RunResult, VariantResult } from '../harness/results-schema.ts';

/** The result of one (model, variant) and the run it came from. */
export interface SelectedResult {
  run: RunResult;
  result: VariantResult;
}

/*
 * What must agree for two sets of runs to be compared: the same suite, models, steps, frames and device.
 * Anything else (machine, variant settings, repeats) may differ and is noted instead, because comparing
 * exactly those differences is often the point.
 */
const MUST_MATCH: readonly { field: string; of: (run: RunResult) => unknown }[] = [
  { field: 'suite.name', of: (run) => run.suite.name },
  { field: 'suite.models', of: (run) => [...run.suite.models].sort() },
  { field: 'suite.steps', of: (run) => run.suite.steps },
  { field: 'suite.frames', of: (run) => run.suite.frames },
  { field: 'suite.device', of: (run) => run.suite.device },
  { field: 'context.executionProvider', of: (run) => run.context.executionProvider },
];

/** Throws HarnessError 'mismatched-runs' naming the first field in which the runs of a side, or the two sides, differ. */
export function assertComparable(base: readonly RunResult[], head: readonly RunResult[]): void {
  for (const [label, runs] of [['BASE', base], ['HEAD', head]] as const) {
    if (runs.length === 0) throw new HarnessError('no-runs', `${label} has no runs`);
    for (const run of runs.slice(1)) {
      const field = firstDifference(runs[0]!, run);
      if (field) {
        throw new HarnessError(
          'mismatched-runs',
          `${label} runs ${runs[0]!.runId} and ${run.runId} differ in ${field.field}: ${show(field.a)} vs ${show(field.b)}; compare runs of one suite configuration`,
        );
      }
    }
  }
  const field = firstDifference(base[0]!, head[0]!);
  if (field) {
    throw new HarnessError('mismatched-runs', `BASE and HEAD differ in ${field.field}: BASE ${show(field.a)}, HEAD ${show(field.b)}; only runs of the same suite, models, steps, frames and device can be compared`);
  }
}

/**
 * One result per (model, variant): from the latest run (by start time, then runId) that has the pair,
 * so a folder of shard outputs or of repeated runs yields the freshest measurement of every pair.
 * Samples are not pooled across runs: run-to-run spread differs from within-run spread.
 */
export function latestPerPair(runs: readonly RunResult[]): Map<string, SelectedResult> {
  const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.runId.localeCompare(b.runId));
  const selected = new Map<string, SelectedResult>();
  for (const run of ordered) {
    for (const result of run.variants) selected.set(pairKey(result.model, result.variant.name), { run, result });
  }
  return selected;
}

/** Map key of a (model, variant) pair. */
export function pairKey(model: string, variant: string): string {
  return JSON.stringify([model, variant]);
}

function firstDifference(a: RunResult, b: RunResult): { field: string; a: unknown; b: unknown } | null {
  for (const { field, of } of MUST_MATCH) {
    const left = of(a);
    const right = of(b);
    if (JSON.stringify(left) !== JSON.stringify(right)) return { field, a: left, b: right };
  }
  return null;
}

function show(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : JSON.stringify(value);
}
