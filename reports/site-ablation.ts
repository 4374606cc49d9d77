import type { RunResult } from '../harness/results-schema.ts';
import { DEFAULT_THRESHOLDS } from './compare-runs.ts';
import { fidelityTradeoff } from './site-fidelity-tradeoff.ts';
import { siteModelArchitecture } from './site-model-architecture.ts';
import type { SiteAblation, SiteAblationRow } from './types.ts';
import { baselineOf, peakGpuBytes, peakHostBytes, ratio, runRef, siteFidelity, strategySwitches } from './site-variant-figures.ts';

/** The paper's ablation order; variants not named here follow in suite order. */
export const ABLATION_ORDER: readonly string[] = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice'];

/** SSIM has no threshold in compare; differences below this are rounding, not a better variant. */
const SSIM_NOISE = 1e-3;

type Column = SiteAblationRow['best'][number];

/** One table per model of the run: switches, time, peak memory and fidelity, a column's best marked only where it leads beyond noise. */
export function siteAblation(run: RunResult): SiteAblation {
  const suiteOrder = run.suite.variants.map((v) => v.name);
  const timePct = run.suite.thresholds?.default?.timePct ?? DEFAULT_THRESHOLDS.timePct;
  const memoryPct = run.suite.thresholds?.default?.memoryPct ?? DEFAULT_THRESHOLDS.memoryPct;
  const psnrDb = run.suite.thresholds?.default?.fidelityPsnrDb ?? DEFAULT_THRESHOLDS.fidelityPsnrDb;
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
          return { ...common, status: 'error', totalMedianMs: null, totalCi95Ms: null, speedup: null, peakHostBytes: null, peakGpuBytes: null, cacheBytes: null, fidelity: null, errorMessage: v.error.message };
        }
        return {
          ...common,
          status: 'ok',
          totalMedianMs: v.stages.total.medianMs,
          totalCi95Ms: v.stages.total.ci95Ms,
          speedup: ratio(baseline?.stages.total.medianMs ?? null, v.stages.total.medianMs),
          peakHostBytes: peakHostBytes(v),
          peakGpuBytes: peakGpuBytes(v),
          cacheBytes: v.cache.peakBytes,
          fidelity: siteFidelity(v.fidelity),
          errorMessage: null,
        };
      });
    const fastest = leader(rows, (r) => r.totalMedianMs, 'min', (best, other) => {
      const bHigh = best.totalCi95Ms![1];
      const oLow = other.totalCi95Ms![0];
      return bHigh < oLow && other.totalMedianMs! >= best.totalMedianMs! * (1 + timePct / 100);
    });
    if (fastest) fastest.best.push('time', 'speedup');
    leader(rows, (r) => r.peakHostBytes, 'min', (b, o) => o.peakHostBytes! >= b.peakHostBytes! * (1 + memoryPct / 100))?.best.push('host');
    leader(rows, (r) => r.peakGpuBytes, 'min', (b, o) => o.peakGpuBytes! >= b.peakGpuBytes! * (1 + memoryPct / 100))?.best.push('gpu');
    // Identical frames have infinite PSNR: they lead any finite value, and tie with other identical frames.
    const psnr = (r: SiteAblationRow) => (r.fidelity ? (r.fidelity.identical ? Number.POSITIVE_INFINITY : r.fidelity.psnrDb) : null);
    leader(rows, psnr, 'max', (b, o) => psnr(b)! - psnr(o)! >= psnrDb)?.best.push('psnr');
    leader(rows, (r) => r.fidelity?.ssim ?? null, 'max', (b, o) => b.fidelity!.ssim - o.fidelity!.ssim >= SSIM_NOISE)?.best.push('ssim');
    return { model, architecture: siteModelArchitecture(run, model), rows, fidelityTradeoff: fidelityTradeoff(run, model) };
  });
  return {
    run: runRef(run),
    hasGpuMemory: models.some((m) => m.rows.some((r) => r.peakGpuBytes !== null)),
    bestRule:
      `A value is marked best only when it leads every other variant beyond noise: time by non-overlapping 95% confidence ` +
      `intervals and at least ${timePct}%, peak memory by at least ${memoryPct}%, PSNR by at least ${psnrDb} dB, SSIM by at least ${SSIM_NOISE}. ` +
      `Where the leader is within noise of another variant, nothing is marked.`,
    models,
  };
}

/** The row with the best value of a column, if it leads every other row with a value by the `clear` rule. */
function leader(
  rows: SiteAblationRow[],
  value: (row: SiteAblationRow) => number | null,
  sense: 'min' | 'max',
  clear: (best: SiteAblationRow, other: SiteAblationRow) => boolean,
): SiteAblationRow | null {
  const candidates = rows.filter((r) => value(r) !== null);
  if (candidates.length < 2) return null;
  const best = candidates.reduce((a, b) => (sense === 'min' ? (value(b)! < value(a)! ? b : a) : value(b)! > value(a)! ? b : a));
  return candidates.every((other) => other === best || clear(best, other)) ? best : null;
}
