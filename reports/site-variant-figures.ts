import type { LoadedRun } from '../harness/results-file.ts';
import type { Fidelity, RunResult, VariantOk, VariantSpec } from '../harness/results-schema.ts';
import { runAblationPath, runOverviewPath, runResultsPath } from './site-slug.ts';
import type { SiteFidelity, SiteRunRef } from './types.ts';

/** Runs oldest first by `startedAt`, ties broken by runId so the order never depends on file names. */
export function sortRunsByStart(runs: readonly LoadedRun[]): LoadedRun[] {
  return [...runs].sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt) || compareText(a.run.runId, b.run.runId));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** GPU names (or the CPU model when there is none) and the host name. */
export function machineLabel(run: RunResult): string {
  const { machine, gpus } = run.context;
  const hardware = gpus.length > 0 ? [...new Set(gpus.map((g) => g.name || g.uuid))].join(' + ') : machine.cpuModel || machine.arch;
  return machine.hostname ? `${hardware} · ${machine.hostname}` : hardware;
}

export function runRef(run: RunResult): SiteRunRef {
  return {
    runId: run.runId,
    suiteName: run.suite.name,
    startedAt: run.startedAt,
    commit: run.context.git?.commit ?? null,
    dirty: run.context.git?.dirty ?? false,
    machineFingerprint: run.context.machine.fingerprint,
    machineLabel: machineLabel(run),
    executionProvider: run.context.executionProvider,
    overviewPath: runOverviewPath(run.runId),
    ablationPath: runAblationPath(run.runId),
    resultsPath: runResultsPath(run.runId),
  };
}

/**
 * Peak resident host memory of the pipeline call: the `total` stage's peak, or the largest of the
 * inference stages when `total` was not recorded. Session creation (`load`) is not part of it.
 */
export function peakHostBytes(v: VariantOk): number {
  const total = v.hostMemory.total?.peakRssBytes;
  if (total !== undefined) return total;
  const stages = [v.hostMemory.encode, v.hostMemory.denoise, v.hostMemory.decode].flatMap((s) => (s ? [s.peakRssBytes] : []));
  return stages.length > 0 ? Math.max(...stages) : 0;
}

/** Peak device memory of the pipeline call over all GPUs, null when GPU memory was not measured. */
export function peakGpuBytes(v: VariantOk): number | null {
  if (v.gpuMemory.status !== 'ok') return null;
  const peaks = v.gpuMemory.perGpu.flatMap((gpu) => {
    const total = gpu.stages.total?.peakUsedBytes;
    if (total !== undefined) return [total];
    return [gpu.stages.encode, gpu.stages.denoise, gpu.stages.decode].flatMap((s) => (s ? [s.peakUsedBytes] : []));
  });
  return peaks.length > 0 ? Math.max(...peaks) : null;
}

export function siteFidelity(f: Fidelity | undefined): SiteFidelity | null {
  if (!f) return null;
  return { identical: f.identical, psnrDb: f.psnrDb, ssim: f.ssim, maxAbsError: f.maxAbsError };
}

/** The strategies a variant switches on, as the ablation table's check columns. */
export function strategySwitches(spec: VariantSpec): { cache: boolean; swap: boolean; chunk: boolean; slice: boolean } {
  const lightcache = spec.kind === 'lightcache';
  return {
    // Every kind but the baseline and FME's chunking reuses work: DeepCache on a schedule, run-time caches by decision.
    cache: spec.kind !== 'baseline' && spec.kind !== 'fme',
    swap: spec.swap === true,
    chunk: spec.kind === 'fme' || ((lightcache || spec.threshold !== undefined) && spec.chunk === true),
    slice: spec.slice === true,
  };
}

/** The variant's settings as `key=value` text, in schema order. */
export function switchesText(spec: VariantSpec): string[] {
  return Object.entries(spec)
    .filter(([key, value]) => key !== 'name' && key !== 'kind' && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}

/** The ok result of the baseline of `model`: the variant of kind 'baseline', preferring the one named 'baseline'. */
export function baselineOf(run: RunResult, model: string): VariantOk | null {
  const candidates = run.variants.filter((v): v is VariantOk => v.status === 'ok' && v.model === model && v.variant.kind === 'baseline');
  return candidates.find((v) => v.variant.name === 'baseline') ?? candidates[0] ?? null;
}

export function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator === 0) return null;
  return numerator / denominator;
}

/**
 * Every (model, variant) pair that appears in any of `runs`, in first-seen order, with each run's successful
 * result for it (null where that run lacks it or it failed there).
 */
export function resultsByPair(runs: readonly LoadedRun[]): { model: string; variant: string; results: (VariantOk | null)[] }[] {
  const pairs = new Map<string, [string, string]>();
  for (const { run } of runs) for (const v of run.variants) pairs.set(JSON.stringify([v.model, v.variant.name]), [v.model, v.variant.name]);
  return [...pairs.values()].map(([model, variant]) => ({
    model,
    variant,
    results: runs.map(({ run }) => run.variants.find((v): v is VariantOk => v.status === 'ok' && v.model === model && v.variant.name === variant) ?? null),
  }));
}
