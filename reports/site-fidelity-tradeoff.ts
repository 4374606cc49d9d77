import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import type { SiteFidelityTradeoffPoint } from './types.ts';
import { baselineOf, ratio, siteFidelity } from './site-variant-figures.ts';

const CLASSIC_KINDS = new Set(['baseline', 'deepcache', 'fme', 'lightcache']);

/**
 * The method a variant belongs to: a run-time cache's kind (its threshold sweep is one curve), with the LightCache
 * switches it turns on (a curve of their own), else the variant itself.
 */
export function methodOf(variant: string, kind: string, switches: { swap?: boolean; chunk?: boolean; slice?: boolean } = {}): string {
  if (CLASSIC_KINDS.has(kind)) return variant;
  const on = (['swap', 'chunk', 'slice'] as const).filter((key) => switches[key] === true);
  return on.length ? `${kind} with ${on.join(', ')}` : kind;
}

/** Every accelerated ok variant of `model`: its speed-ups over the model's baseline and its fidelity against it. */
export function fidelityTradeoff(run: RunResult, model: string): SiteFidelityTradeoffPoint[] {
  const baseline = baselineOf(run, model);
  return run.variants
    .filter((v): v is VariantOk => v.status === 'ok' && v.model === model && v !== baseline)
    .map((v) => ({
      variant: v.variant.name,
      method: methodOf(v.variant.name, v.variant.kind, v.variant),
      denoiseSpeedup: ratio(baseline?.stages.denoise.medianMs ?? null, v.stages.denoise.medianMs),
      totalSpeedup: ratio(baseline?.stages.total.medianMs ?? null, v.stages.total.medianMs),
      fidelity: siteFidelity(v.fidelity),
    }));
}
