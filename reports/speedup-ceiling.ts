import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import type { SpeedupCeiling } from './types.ts';

/**
 * How close a variant comes to what its work allows. The FLOP-ideal denoise speed-up is the baseline's denoise
 * work over the variant's (for a cache variant: every step full over the steps it really ran, full or shallow);
 * the measured one is the baseline's median denoise time over the variant's. Each stage's achieved rate is also
 * given as a share of the machine's measured matrix-product peak (the run's calibration), when there is one.
 */
export function speedupCeiling(run: RunResult, variant: VariantOk, baseline: VariantOk | null | undefined): SpeedupCeiling {
  const ownFlops = variant.work?.denoise?.flops;
  const baseFlops = baseline?.work?.denoise?.flops;
  const peakGflops = run.calibration?.matmulGflops;
  const peakShare: SpeedupCeiling['peakShare'] = {};
  if (peakGflops) {
    for (const [stage, work] of Object.entries(variant.work ?? {})) if (work) peakShare[stage as keyof typeof peakShare] = work.achievedGflops / peakGflops;
  }
  return {
    denoiseMeasured: baseline && variant.stages.denoise.medianMs > 0 ? baseline.stages.denoise.medianMs / variant.stages.denoise.medianMs : null,
    denoiseFlopIdeal: ownFlops && baseFlops ? baseFlops / ownFlops : null,
    peakShare,
  };
}
