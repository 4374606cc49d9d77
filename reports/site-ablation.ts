import type { RunResult } from '../harness/results-schema.ts';
import type { SiteAblation, SiteAblationRow } from './types.ts';
import { baselineOf, peakGpuBytes, peakHostBytes, ratio, runRef, siteFidelity, strategySwitches } from './site-variant-figures.ts';

/** The paper's ablation order; variants not named here follow in suite order. */
export const ABLATION_ORDER: readonly string[] = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice'];

type Column = SiteAblationRow['best'][number];

/** One table per model of the run: switches, time, peak memory and fidelity, the best of each column marked. */
export function siteAblation(run: RunResult): SiteAblation {
  const suiteOrder = run.suite.variants.map((v) => v.name);
  const rank = (name: string) => {
    const known = ABLATION_ORDER.indexOf(name);
    return known >= 0 ? known : ABLATION_ORDER.length + suiteOrder.indexOf(name);
  };
  const models = run.suite.models.map((model) => {
    const baseline = baselineOf(run, model);
    const rows = run.variants
      .filter((v) => v.model === model)
      .sort((a, b) => rank(a.variant.name) - rank(b.variant.name))
      .map((v): SiteAblationRow => {
        const common = { variant: v.variant.name, kind: v.variant.kind, switches: strategySwitches(v.variant), best: [] as Column[] };
        if (v.status === 'error') {
          return { ...common, status: 'error', totalMedianMs: null, speedup: null, peakHostBytes: null, peakGpuBytes: null, cacheBytes: null, fidelity: null, errorMessage: v.error.message };
        }
        return {
          ...common,
          status: 'ok',
          totalMedianMs: v.stages.total.medianMs,
          speedup: ratio(baseline?.stages.total.medianMs ?? null, v.stages.total.medianMs),
          peakHostBytes: peakHostBytes(v),
          peakGpuBytes: peakGpuBytes(v),
          cacheBytes: v.cache.peakBytes,
          fidelity: siteFidelity(v.fidelity),
          errorMessage: null,
        };
      });
    markBest(rows, 'time', (r) => r.totalMedianMs, 'min');
    markBest(rows, 'speedup', (r) => r.speedup, 'max');
    markBest(rows, 'host', (r) => r.peakHostBytes, 'min');
    markBest(rows, 'gpu', (r) => r.peakGpuBytes, 'min');
    // Identical frames have infinite PSNR, which beats every finite value.
    markBest(rows, 'psnr', (r) => (r.fidelity ? (r.fidelity.identical ? Number.POSITIVE_INFINITY : r.fidelity.psnrDb) : null), 'max');
    markBest(rows, 'ssim', (r) => r.fidelity?.ssim ?? null, 'max');
    return { model, rows };
  });
  return { run: runRef(run), hasGpuMemory: models.some((m) => m.rows.some((r) => r.peakGpuBytes !== null)), models };
}

function markBest(rows: SiteAblationRow[], column: Column, value: (row: SiteAblationRow) => number | null, sense: 'min' | 'max'): void {
  const values = rows.map(value).filter((v): v is number => v !== null);
  if (values.length < 2) return;
  const best = sense === 'min' ? Math.min(...values) : Math.max(...values);
  for (const row of rows) if (value(row) === best) row.best.push(column);
}
