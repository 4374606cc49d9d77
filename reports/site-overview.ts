import type { RunResult } from '../harness/results-schema.ts';
import type { SiteOverview, SiteOverviewRow } from './types.ts';
import { speedupCeiling } from './speedup-ceiling.ts';
import { baselineOf, peakGpuBytes, peakHostBytes, ratio, runRef, siteFidelity } from './site-variant-figures.ts';

/** Every model × variant of one run, with speed-up and memory ratios against the same model's baseline. */
export function siteOverview(run: RunResult, detailPath: (model: string, variant: string) => string | null): SiteOverview {
  const s = run.suite.session;
  const models = run.suite.models.map((model) => {
    const baseline = baselineOf(run, model);
    const baseTotal = baseline ? baseline.stages.total.medianMs : null;
    const baseHost = baseline ? peakHostBytes(baseline) : null;
    const baseGpu = baseline ? peakGpuBytes(baseline) : null;
    const rows = run.variants
      .filter((v) => v.model === model)
      .map((v): SiteOverviewRow => {
        const common = { variant: v.variant.name, kind: v.variant.kind, detailPath: detailPath(model, v.variant.name) };
        if (v.status === 'error') {
          return { status: 'error', ...common, errorCode: v.error.code, errorMessage: v.error.message, lastStage: v.partial?.lastStage ?? null };
        }
        const host = peakHostBytes(v);
        const gpu = peakGpuBytes(v);
        return {
          status: 'ok',
          ...common,
          stagesMedianMs: {
            load: v.stages.load.medianMs,
            encode: v.stages.encode.medianMs,
            denoise: v.stages.denoise.medianMs,
            decode: v.stages.decode.medianMs,
            total: v.stages.total.medianMs,
          },
          totalCi95Ms: v.stages.total.ci95Ms,
          repeats: v.stages.total.n,
          peakHostBytes: host,
          peakGpuBytes: gpu,
          cacheBytes: v.cache.peakBytes,
          cacheLocation: v.cache.location,
          speedup: ratio(baseTotal, v.stages.total.medianMs),
          hostMemoryRatio: ratio(host, baseHost),
          gpuMemoryRatio: ratio(gpu, baseGpu),
          fidelity: siteFidelity(v.fidelity),
          ceiling: speedupCeiling(run, v, baseline),
          attention: v.attention?.form ?? 'unfused',
        };
      });
    return { model, baselineVariant: baseline?.variant.name ?? null, rows };
  });
  return {
    run: runRef(run),
    prompt: run.suite.prompt,
    negativePrompt: run.suite.negativePrompt,
    device: run.suite.device,
    steps: run.suite.steps,
    frames: run.suite.frames,
    warmup: run.suite.warmup,
    repeats: run.suite.repeats,
    sessionSettings:
      `cpuMemArena=${s.cpuMemArena}, memPattern=${s.memPattern}, graphOptimizationLevel=${s.graphOptimizationLevel}, ` +
      `intraOpThreads=${s.intraOpThreads}, interOpThreads=${s.interOpThreads}, MALLOC_MMAP_THRESHOLD_=${s.mallocMmapThreshold ?? 'glibc default'}, ` +
      `fuseAttention=${s.fuseAttention ?? false}`,
    modelSources: Object.entries(run.suite.modelManifests ?? {}).map(([model, manifest]) => ({ model, manifest })),
    image: run.suite.image ?? null,
    hasGpuMemory: models.some((m) => m.rows.some((r) => r.status === 'ok' && r.peakGpuBytes !== null)),
    models,
  };
}
