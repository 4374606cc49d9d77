import { STAGE_NAMES, type RunResult, type StageName, type StageStats } from '../harness/results-schema.ts';

/** One exported figure of one (model, variant): what every export format is built from. */
export interface ExportedMetric {
  model: string;
  variant: string;
  stage: StageName | null;
  metric: 'time' | 'host-memory' | 'gpu-memory' | 'fidelity-psnr' | 'fidelity-ssim' | 'fidelity-max-abs-error';
  gpu?: { index: number; uuid: string; name: string };
  unit: 'ms' | 'bytes' | 'dB' | '1';
  /** null only for the PSNR of frames identical to the baseline's (infinite). */
  value: number | null;
  /** The raw-sample summary behind a time. */
  stats?: StageStats;
}

/**
 * Every figure of every ok variant in a fixed order: per stage its time and host-memory peak, then
 * GPU-memory peaks per GPU and stage, then fidelity. Failed variants have no figures.
 */
export function exportedMetrics(run: RunResult): ExportedMetric[] {
  const out: ExportedMetric[] = [];
  for (const v of run.variants) {
    if (v.status !== 'ok') continue;
    const base = { model: v.model, variant: v.variant.name };
    for (const stage of STAGE_NAMES) {
      const stats = v.stages[stage];
      out.push({ ...base, stage, metric: 'time', unit: 'ms', value: stats.medianMs, stats });
      const host = v.hostMemory[stage];
      if (host) out.push({ ...base, stage, metric: 'host-memory', unit: 'bytes', value: host.peakRssBytes });
    }
    if (v.gpuMemory.status === 'ok') {
      v.gpuMemory.perGpu.forEach((g, index) => {
        for (const stage of STAGE_NAMES) {
          const peak = g.stages[stage]?.peakUsedBytes;
          if (peak !== undefined) out.push({ ...base, stage, metric: 'gpu-memory', gpu: { index, uuid: g.uuid, name: g.name }, unit: 'bytes', value: peak });
        }
      });
    }
    if (v.fidelity) {
      out.push({ ...base, stage: null, metric: 'fidelity-psnr', unit: 'dB', value: v.fidelity.psnrDb });
      out.push({ ...base, stage: null, metric: 'fidelity-ssim', unit: '1', value: v.fidelity.ssim });
      out.push({ ...base, stage: null, metric: 'fidelity-max-abs-error', unit: '1', value: v.fidelity.maxAbsError });
    }
  }
  return out;
}

/** Rounds for display in exported files without inventing precision the measurement lacks. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
