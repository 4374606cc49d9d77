import type { RunResult } from '../harness/results-schema.ts';
import { exportedMetrics } from './export-metrics.ts';
import type { BencherMetricFormat } from './types.ts';

/*
 * Bencher Metric Format (BMF) JSON: { benchmark: { measure: { value, lower_value?, upper_value? } } }.
 * One benchmark per (model, variant, stage) plus one per (model, variant) for fidelity. Times use the
 * built-in `latency` measure, which Bencher counts in nanoseconds, with the fastest and slowest run as
 * bounds; memory peaks and fidelity use measures of their own (created by Bencher on first use).
 */

/** The run in Bencher Metric Format. */
export function toBencherMetricFormat(run: RunResult): BencherMetricFormat {
  const bmf: BencherMetricFormat = {};
  const multiGpu = new Set(exportedMetrics(run).filter((m) => m.gpu && m.gpu.index > 0).map((m) => `${m.model}/${m.variant}`));
  for (const m of exportedMetrics(run)) {
    if (m.value === null) continue;
    const benchmark = `${m.model}/${m.variant}/${m.stage ?? 'fidelity'}`;
    const measures = (bmf[benchmark] ??= {});
    switch (m.metric) {
      case 'time': {
        const s = m.stats!;
        measures.latency = { value: nanoseconds(s.medianMs), lower_value: nanoseconds(s.minMs), upper_value: nanoseconds(s.maxMs) };
        break;
      }
      case 'host-memory':
        measures['peak-host-memory'] = { value: m.value };
        break;
      case 'gpu-memory':
        measures[multiGpu.has(`${m.model}/${m.variant}`) ? `peak-gpu-memory-gpu${m.gpu!.index}` : 'peak-gpu-memory'] = { value: m.value };
        break;
      case 'fidelity-psnr':
        measures['psnr-db'] = { value: m.value };
        break;
      case 'fidelity-ssim':
        measures.ssim = { value: m.value };
        break;
      case 'fidelity-max-abs-error':
        measures['max-abs-error'] = { value: m.value };
        break;
    }
  }
  return bmf;
}

function nanoseconds(ms: number): number {
  return Math.round(ms * 1e6);
}
