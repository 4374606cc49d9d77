import type { RunResult } from '../harness/results-schema.ts';
import { exportedMetrics, round, type ExportedMetric } from './export-metrics.ts';
import type { GithubBenchmarkEntry } from './types.ts';

/*
 * Input for github-action-benchmark with `tool: customSmallerIsBetter`: a JSON array of
 * { name, unit, value, range?, extra? }. Only smaller-is-better figures belong in it, so PSNR and SSIM
 * (bigger is better) are left out and fidelity is represented by its maximum absolute error. The
 * action keys its charts by `name`, which is therefore unique and stable across runs.
 */

/** The run as `customSmallerIsBetter` entries. */
export function toGithubActionBenchmark(run: RunResult): GithubBenchmarkEntry[] {
  const commit = run.context.git ? `commit ${run.context.git.commit.slice(0, 7)}${run.context.git.dirty ? ' (dirty)' : ''}` : 'no commit';
  return exportedMetrics(run).flatMap((m): GithubBenchmarkEntry[] => {
    if (m.value === null || m.metric === 'fidelity-psnr' || m.metric === 'fidelity-ssim') return [];
    const name = `${m.model}/${m.variant}/${nameTail(m)}`;
    if (m.metric === 'time' && m.stats) {
      const s = m.stats;
      const extra = [`median of ${s.n} runs`, `min ${round(s.minMs)} ms, max ${round(s.maxMs)} ms`, `95% CI of mean ${round(s.ci95Ms[0])}–${round(s.ci95Ms[1])} ms`, commit].join('\n');
      return [{ name, unit: 'ms', value: round(m.value), range: `± ${round(s.stdDevMs)}`, extra }];
    }
    if (m.unit === 'bytes') return [{ name, unit: 'MiB', value: round(m.value / 2 ** 20), extra: `${m.value} bytes\n${commit}` }];
    return [{ name, unit: 'max abs error', value: m.value, extra: commit }];
  });
}

function nameTail(m: ExportedMetric): string {
  switch (m.metric) {
    case 'time':
      return `${m.stage} time`;
    case 'host-memory':
      return `${m.stage} peak host memory`;
    case 'gpu-memory':
      return `${m.stage} peak GPU memory (gpu${m.gpu!.index})`;
    default:
      return 'fidelity max abs error';
  }
}
