import Table from 'cli-table3';
import type { RunResult, VariantOk } from './results-schema.ts';

const TOP = 6;

/**
 * The denoise stage's heaviest operators per variant, from the profiling pass: time, share of the stage's kernel
 * time, and, where the kernels' shapes give their work, the achieved rate and its share of the run's measured
 * matrix-product peak; it shows which operators keep a stage from the peak. Null when no variant was profiled.
 */
export function formatProfileTable(run: RunResult): string | null {
  const peak = run.calibration?.matmulGflops;
  const table = new Table({ head: ['model/variant', 'operator', 'calls', 'ms', 'of kernel time', 'GFLOP/s', 'of matmul peak'], style: { head: [], border: [] } });
  let rows = 0;
  for (const v of run.variants.filter((r): r is VariantOk => r.status === 'ok')) {
    const stage = v.profile?.denoise;
    if (!stage) continue;
    const kernelUs = stage.kernelUs;
    for (const entry of stage.byTime.slice(0, TOP)) {
      const gflops = entry.flops && entry.totalUs > 0 ? entry.flops / entry.totalUs / 1e3 : undefined;
      table.push([
        `${v.model}/${v.variant.name}`,
        entry.op,
        String(entry.count),
        (entry.totalUs / 1000).toFixed(0),
        kernelUs ? `${((100 * entry.totalUs) / kernelUs).toFixed(0)}%` : '—',
        gflops === undefined ? '—' : gflops.toFixed(1),
        gflops === undefined || !peak ? '—' : `${((100 * gflops) / peak).toFixed(0)}%`,
      ]);
      rows += 1;
    }
  }
  return rows ? `denoise operators in the profiling pass (work from the shapes each kernel ran)\n${table.toString()}` : null;
}
