import Table from 'cli-table3';
import type { StageName } from '../pipelines/types.ts';
import { speedupCeiling } from '../reports/speedup-ceiling.ts';
import { formatProfileTable } from './profile-table.ts';
import type { RunResult, VariantOk } from './results-schema.ts';

const STAGE_COLUMNS: StageName[] = ['load', 'encode', 'denoise', 'decode', 'total'];
const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 2 ** 20).toFixed(0));
const ratio = (value: number | undefined, reference: number | undefined, invert = false) =>
  value === undefined || reference === undefined || value === 0 ? '—' : `${(invert ? reference / value : value / reference).toFixed(2)}×`;

function baselineOf(run: RunResult, model: string): VariantOk | undefined {
  return run.variants.find((v): v is VariantOk => v.status === 'ok' && v.model === model && v.variant.kind === 'baseline');
}

/** The terminal summary: time per stage with speed-ups, peak memory per stage with ratios, cache and fidelity. */
export function formatSummary(run: RunResult): string {
  const plain = { style: { head: [], border: [] } };
  const time = new Table({ head: ['model/variant', ...STAGE_COLUMNS.map((s) => `${s} ms`), 'speed-up (denoise)', 'FLOP-ideal (denoise)', 'speed-up (total)', 'denoise GFLOP/s'], ...plain });
  const peak = run.calibration?.matmulGflops;
  const memory = new Table({ head: ['model/variant', ...STAGE_COLUMNS.map((s) => `${s} peak MiB`), 'peak vs baseline', 'cache MiB', 'GPU peak MiB'], ...plain });
  const fidelity = new Table({ head: ['model/variant', 'PSNR dB', 'SSIM', 'max abs error', 'cache location', 'attention'], ...plain });
  const errors: string[] = [];
  for (const v of run.variants) {
    const label = `${v.model}/${v.variant.name}`;
    if (v.status === 'error') {
      errors.push(`${label}: ${v.error.code}: ${v.error.message}`);
      continue;
    }
    const base = baselineOf(run, v.model);
    const ceiling = speedupCeiling(run, v, base);
    const share = ceiling.peakShare.denoise;
    time.push([
      label,
      ...STAGE_COLUMNS.map((s) => v.stages[s].medianMs.toFixed(0)),
      ratio(v.stages.denoise.medianMs, base?.stages.denoise.medianMs, true),
      ceiling.denoiseFlopIdeal === null ? '—' : `${ceiling.denoiseFlopIdeal.toFixed(2)}×`,
      ratio(v.stages.total.medianMs, base?.stages.total.medianMs, true),
      v.work?.denoise ? `${v.work.denoise.achievedGflops.toFixed(1)}${share !== undefined && peak ? ` (${(100 * share).toFixed(0)}% of ${peak.toFixed(0)})` : ''}` : '—',
    ]);
    const gpuPeak = v.gpuMemory.status === 'ok' ? Math.max(...v.gpuMemory.perGpu.map((g) => g.stages.total?.peakUsedBytes ?? 0)) : undefined;
    memory.push([
      label,
      ...STAGE_COLUMNS.map((s) => mb(v.hostMemory[s]?.peakRssBytes)),
      ratio(v.hostMemory.total?.peakRssBytes, base?.hostMemory.total?.peakRssBytes),
      (v.cache.peakBytes / 2 ** 20).toFixed(2),
      mb(gpuPeak),
    ]);
    const f = v.fidelity;
    fidelity.push([label, f ? (f.identical ? 'identical' : f.psnrDb.toFixed(2)) : '—', f ? f.ssim.toFixed(5) : '—', f ? f.maxAbsError.toExponential(2) : '—', v.cache.location, v.attention?.form ?? 'unfused']);
  }
  const sections = [`time (median of ${run.suite.repeats} measured runs)\n${time.toString()}`, `peak resident memory of the child process\n${memory.toString()}`, `fidelity against the baseline's frames\n${fidelity.toString()}`];
  const profile = formatProfileTable(run);
  if (profile) sections.push(profile);
  if (errors.length) sections.push(`failed variants\n${errors.join('\n')}`);
  return sections.join('\n\n');
}
