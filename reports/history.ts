import { STAGE_NAMES, type RunResult, type StageName, type VariantOk } from '../harness/results-schema.ts';
import { detectChangePoints } from './change-points.ts';
import type {
  ChangePointOptions,
  HistoryMachine,
  HistoryPoint,
  HistorySeries,
  SiteHistoryMetric,
  SiteStepChange,
  TrackedMetric,
} from './types.ts';

/** Change-point settings per metric: smallest shift that counts, like compare's default thresholds. */
export const HISTORY_CHANGE_POINT_OPTIONS: Readonly<Record<TrackedMetric, ChangePointOptions>> = {
  time: { minRelativeShift: 0.05 },
  'host-memory': { minRelativeShift: 0.02 },
  'gpu-memory': { minRelativeShift: 0.02 },
  'fidelity-psnr': { minRelativeShift: 0, minAbsoluteShift: 0.5 },
};

/** Options of `buildHistory`. */
export interface HistoryOptions {
  /** Per-metric change-point settings, merged over HISTORY_CHANGE_POINT_OPTIONS. */
  changePoints?: Partial<Record<TrackedMetric, ChangePointOptions>>;
}

interface Reading {
  stage: StageName | null;
  metric: TrackedMetric;
  gpu?: { uuid: string; name: string };
  value: number;
}

/**
 * The time series of every metric of every (model, variant), one series per machine (hardware
 * fingerprint), suite and attention form (fused or not), since neither hardware, suite settings nor a switch
 * between fused and unfused graphs may masquerade as a regression.
 * Points are the runs in start-time order, one per run: the median for times, the peak for memory,
 * dB for PSNR. Failed variants and frames identical to the baseline's (infinite PSNR) make no point.
 * The first point of every new level found by the change-point detector carries `changePoint`.
 */
export function buildHistory(runs: readonly RunResult[], options: HistoryOptions = {}): HistorySeries[] {
  const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.runId.localeCompare(b.runId));
  const series = new Map<string, HistorySeries>();
  for (const run of ordered) {
    const machine = machineOf(run);
    // Runs recorded before the setting existed ran unfused graphs.
    const attention = run.suite.session.fuseAttention ? 'fused' : 'unfused';
    for (const result of run.variants) {
      if (result.status !== 'ok') continue;
      for (const reading of readingsOf(result)) {
        const key = seriesKey(machine.fingerprint, run.suite.name, attention, result.model, result.variant.name, reading);
        let entry = series.get(key);
        if (!entry) {
          entry = {
            key,
            machine,
            suite: run.suite.name,
            attention,
            model: result.model,
            variant: result.variant.name,
            stage: reading.stage,
            metric: reading.metric,
            ...(reading.gpu ? { gpu: reading.gpu } : {}),
            unit: reading.metric === 'time' ? 'ms' : reading.metric === 'fidelity-psnr' ? 'dB' : 'bytes',
            better: reading.metric === 'fidelity-psnr' ? 'bigger' : 'smaller',
            points: [],
          };
          series.set(key, entry);
        }
        // The latest run describes the machine (its host name may change under the same hardware).
        entry.machine = machine;
        entry.points.push({
          runId: run.runId,
          commit: run.context.git?.commit ?? null,
          dirty: run.context.git?.dirty ?? false,
          startedAt: run.startedAt,
          value: reading.value,
          changePoint: null,
        });
      }
    }
  }
  for (const entry of series.values()) markChangePoints(entry, { ...HISTORY_CHANGE_POINT_OPTIONS[entry.metric], ...options.changePoints?.[entry.metric] });
  return [...series.values()];
}

/** The series that have at least one change point. */
export function seriesWithChanges(series: readonly HistorySeries[]): HistorySeries[] {
  return series.filter((s) => s.points.some((p) => p.changePoint !== null));
}

/**
 * Step changes in the form the report site's history page takes (`SiteStepChangeDetector`): values in
 * run order with null where a run has no value; indices refer to that array. All its metrics are
 * smaller-is-better.
 */
export function detectSiteStepChanges(values: readonly (number | null)[], metric: SiteHistoryMetric): SiteStepChange[] {
  const tracked: TrackedMetric = metric === 'peakHostBytes' ? 'host-memory' : metric === 'peakGpuBytes' ? 'gpu-memory' : 'time';
  const present = values.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
  return detectChangePoints(
    present.map((p) => p.v),
    HISTORY_CHANGE_POINT_OPTIONS[tracked],
  ).map((c) => ({ index: present[c.index]!.i, beforeValue: c.before, afterValue: c.after, direction: c.after > c.before ? 'regression' : 'improvement' }));
}

function markChangePoints(entry: HistorySeries, options: ChangePointOptions): void {
  const values = entry.points.map((p) => p.value);
  for (const change of detectChangePoints(values, options)) {
    const worse = entry.better === 'smaller' ? change.after > change.before : change.after < change.before;
    const point: HistoryPoint = entry.points[change.index]!;
    point.changePoint = {
      before: change.before,
      after: change.after,
      change: entry.unit === 'dB' ? change.after - change.before : change.relativeShift === null ? null : change.relativeShift * 100,
      direction: worse ? 'regression' : 'improvement',
    };
  }
}

function readingsOf(result: VariantOk): Reading[] {
  const readings: Reading[] = STAGE_NAMES.map((stage) => ({ stage, metric: 'time', value: result.stages[stage].medianMs }));
  for (const stage of STAGE_NAMES) {
    const host = result.hostMemory[stage];
    if (host) readings.push({ stage, metric: 'host-memory', value: host.peakRssBytes });
  }
  if (result.gpuMemory.status === 'ok') {
    for (const gpu of result.gpuMemory.perGpu) {
      for (const stage of STAGE_NAMES) {
        const peak = gpu.stages[stage]?.peakUsedBytes;
        if (peak !== undefined) readings.push({ stage, metric: 'gpu-memory', gpu: { uuid: gpu.uuid, name: gpu.name }, value: peak });
      }
    }
  }
  if (result.fidelity && result.fidelity.psnrDb !== null) readings.push({ stage: null, metric: 'fidelity-psnr', value: result.fidelity.psnrDb });
  return readings;
}

function machineOf(run: RunResult): HistoryMachine {
  const m = run.context.machine;
  return { fingerprint: m.fingerprint, hostname: m.hostname, cpuModel: m.cpuModel, gpus: run.context.gpus.map((g) => g.name) };
}

function seriesKey(fingerprint: string, suite: string, attention: string, model: string, variant: string, r: Reading): string {
  return [fingerprint, suite, ...(attention === 'fused' ? [] : [attention]), model, variant, r.stage ?? 'video', r.metric, ...(r.gpu ? [r.gpu.uuid] : [])].join('/');
}
