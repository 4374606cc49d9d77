import { fidelityTradeoff } from './site-fidelity-tradeoff.ts';
import { siteModelArchitecture } from './site-model-architecture.ts';
import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import type { SiteOverview, SiteOverviewRow, SiteTimePart, SiteTradeoffPoint } from './types.ts';
import { speedupCeiling } from './speedup-ceiling.ts';
import { baselineOf, peakGpuBytes, peakHostBytes, ratio, runRef, siteFidelity } from './site-variant-figures.ts';

/**
 * Whether a run's `total` includes `load`. The harness starts the total clock before creating sessions;
 * older results files (and some hand-made ones) time load apart. Decided once per run, from the baselines and
 * every other ok result: load fits inside total when the medians of all stages do not exceed it by more than
 * what medians of sums and sums of medians can differ by.
 */
export function loadInsideTotal(run: RunResult): boolean {
  const oks = run.variants.filter((v): v is VariantOk => v.status === 'ok');
  if (oks.length === 0) return true;
  return oks.every((v) => {
    const s = v.stages;
    const sum = s.load.medianMs + s.encode.medianMs + s.denoise.medianMs + s.decode.medianMs;
    return sum <= s.total.medianMs * 1.05 + 1;
  });
}

/**
 * The parts that stack up to the median total: the stages inside total, and what total has beyond them. They
 * come from the measured call whose total is the median (the mean of the two middle calls for an even count), so
 * they add up to the median total exactly; medians of each stage taken apart need not.
 */
export function totalParts(v: VariantOk, withLoad: boolean): SiteTimePart[] {
  const names = withLoad ? (['load', 'encode', 'denoise', 'decode'] as const) : (['encode', 'denoise', 'decode'] as const);
  const calls = [...v.runs].sort((a, b) => a.stagesMs.total - b.stagesMs.total);
  const middle = calls.length % 2 ? [calls[(calls.length - 1) / 2]!] : calls.slice(calls.length / 2 - 1, calls.length / 2 + 1);
  if (middle.length === 0) {
    const stages = names.map((part) => ({ part, ms: v.stages[part].medianMs }));
    return [...stages, { part: 'other', ms: Math.max(0, v.stages.total.medianMs - stages.reduce((acc, p) => acc + p.ms, 0)) }];
  }
  const mean = (of: (call: (typeof calls)[number]) => number) => middle.reduce((acc, c) => acc + of(c), 0) / middle.length;
  const stages = names.map((part) => ({ part, ms: mean((c) => c.stagesMs[part]) }));
  const total = mean((c) => c.stagesMs.total);
  return [...stages, { part: 'other', ms: Math.max(0, total - stages.reduce((acc, p) => acc + p.ms, 0)) }];
}

/** Marks the points no other point beats on both time and memory (at least as good on both, better on one). */
export function markPareto(points: Omit<SiteTradeoffPoint, 'pareto'>[]): SiteTradeoffPoint[] {
  return points.map((p) => ({
    ...p,
    pareto: !points.some(
      (q) => q !== p && q.totalMedianMs <= p.totalMedianMs && q.peakBytes <= p.peakBytes && (q.totalMedianMs < p.totalMedianMs || q.peakBytes < p.peakBytes),
    ),
  }));
}

/** Every model × variant of one run, with speed-up and memory ratios against the same model's baseline. */
export function siteOverview(run: RunResult, detailPath: (model: string, variant: string) => string | null): SiteOverview {
  const s = run.suite.session;
  const withLoad = loadInsideTotal(run);
  const hasGpuMemory = run.variants.some((v) => v.status === 'ok' && peakGpuBytes(v) !== null);
  const models = run.suite.models.map((model) => {
    const baseline = baselineOf(run, model);
    const baseTotal = baseline ? baseline.stages.total.medianMs : null;
    const baseHost = baseline ? peakHostBytes(baseline) : null;
    const baseGpu = baseline ? peakGpuBytes(baseline) : null;
    const variants = run.variants.filter((v) => v.model === model);
    const rows = variants.map((v): SiteOverviewRow => {
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
        totalParts: totalParts(v, withLoad),
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
    const tradeoff = markPareto(
      variants
        .filter((v): v is VariantOk => v.status === 'ok')
        .map((v) => ({
          variant: v.variant.name,
          totalMedianMs: v.stages.total.medianMs,
          peakBytes: hasGpuMemory ? (peakGpuBytes(v) ?? peakHostBytes(v)) : peakHostBytes(v),
          fidelity: siteFidelity(v.fidelity),
        })),
    );
    return { model, architecture: siteModelArchitecture(run, model), baselineVariant: baseline?.variant.name ?? null, rows, tradeoff, fidelityTradeoff: fidelityTradeoff(run, model) };
  });
  return {
    run: runRef(run),
    loadInsideTotal: withLoad,
    tradeoffMemory: hasGpuMemory ? 'gpu' : 'host',
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
    hasGpuMemory,
    models,
  };
}
