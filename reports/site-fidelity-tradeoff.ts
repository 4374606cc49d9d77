import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import type { SiteFidelityTradeoffPoint } from './types.ts';
import { baselineOf, ratio, siteFidelity } from './site-variant-figures.ts';

const CLASSIC_KINDS = new Set(['baseline', 'deepcache', 'fme', 'lightcache']);

/** The method a variant belongs to: a run-time cache's kind (its threshold sweep is one curve), else the variant itself. */
export function methodOf(variant: string, kind: string): string {
  return CLASSIC_KINDS.has(kind) ? variant : kind;
}

/** Every accelerated ok variant of `model`: its speed-ups over the model's baseline and its fidelity against it. */
export function fidelityTradeoff(run: RunResult, model: string): SiteFidelityTradeoffPoint[] {
  const baseline = baselineOf(run, model);
  return run.variants
    .filter((v): v is VariantOk => v.status === 'ok' && v.model === model && v !== baseline)
    .map((v) => ({
      variant: v.variant.name,
      method: methodOf(v.variant.name, v.variant.kind),
      denoiseSpeedup: ratio(baseline?.stages.denoise.medianMs ?? null, v.stages.denoise.medianMs),
      totalSpeedup: ratio(baseline?.stages.total.medianMs ?? null, v.stages.total.medianMs),
      fidelity: siteFidelity(v.fidelity),
    }));
}
