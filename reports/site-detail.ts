import { median } from 'simple-statistics';
import type { LoadedRun } from '../harness/results-file.ts';
import { STAGE_NAMES, type VariantError, type VariantOk } from '../harness/results-schema.ts';
import type { SiteProfileStage, SiteStageName, SiteStageRow, SiteStepRow, SiteVariantDetail } from './types.ts';
import type { PreviewAssets } from './site-previews.ts';
import { detailPagePath } from './site-slug.ts';
import { siteModelArchitecture } from './site-model-architecture.ts';
import { siteTimeline } from './site-timeline.ts';
import { runRef, siteFidelity, switchesText } from './site-variant-figures.ts';

const PROFILE_TOP = 10;

/** The detail page data of every (model, variant) of one run. */
export function siteDetails(loaded: LoadedRun, previews: PreviewAssets, timelinePoints: number): SiteVariantDetail[] {
  const { run, file } = loaded;
  const ref = runRef(run);
  return run.variants.map((v): SiteVariantDetail => {
    const common = {
      path: detailPagePath(run.runId, v.model, v.variant.name),
      run: ref,
      model: v.model,
      variant: v.variant.name,
      kind: v.variant.kind,
      switches: switchesText(v.variant),
      architecture: siteModelArchitecture(run, v.model),
      siblings: run.variants
        .filter((o) => o.model === v.model && o !== v)
        .map((o) => ({ model: o.model, variant: o.variant.name, status: o.status, path: detailPagePath(run.runId, o.model, o.variant.name) })),
    };
    if (v.status === 'error') return { ...common, ...errorPart(v) };
    return {
      ...common,
      status: 'ok',
      executionProvider: v.executionProvider,
      stages: stageRows(v),
      gpuNote: v.gpuMemory.status === 'unavailable' ? v.gpuMemory.reason : null,
      cache: { peakBytes: v.cache.peakBytes, location: v.cache.location, note: v.cache.note ?? null },
      swap: v.swap ?? [],
      fidelity: siteFidelity(v.fidelity),
      fidelityNote: v.fidelityNote ?? null,
      previews: previews.previewsOf(file, v),
      steps: stepRows(v),
      profile: profileStages(v),
      timeline: siteTimeline(v.timeline, run.context.gpus, timelinePoints),
      energyJoules: Object.entries(v.energy ?? {}).map(([stage, e]) => ({ stage, joules: e.joules })),
      work: Object.entries(v.work ?? {}).map(([stage, w]) => ({ stage, flops: w.flops, achievedGflops: w.achievedGflops })),
    };
  });
}

function errorPart(v: VariantError) {
  return {
    status: 'error' as const,
    error: {
      code: v.error.code,
      message: v.error.message,
      exitCode: v.error.exitCode ?? null,
      signal: v.error.signal ?? null,
      stderrTail: v.error.stderrTail ?? null,
    },
    partialStagesMs: Object.entries(v.partial?.stagesMs ?? {}).map(([stage, ms]) => ({ stage, ms })),
    lastStage: v.partial?.lastStage ?? null,
  };
}

function stageRows(v: VariantOk): SiteStageRow[] {
  // With several GPUs the row shows the one that peaked highest; the per-GPU figures stay in the results file.
  const gpuStage = (stage: SiteStageName) => {
    if (v.gpuMemory.status !== 'ok') return null;
    const all = v.gpuMemory.perGpu.flatMap((g) => (g.stages[stage] ? [g.stages[stage]] : []));
    return all.sort((a, b) => b.peakUsedBytes - a.peakUsedBytes)[0] ?? null;
  };
  return STAGE_NAMES.map((stage) => {
    const s = v.stages[stage];
    const host = v.hostMemory[stage];
    const gpu = gpuStage(stage);
    return {
      stage,
      medianMs: s.medianMs,
      minMs: s.minMs,
      maxMs: s.maxMs,
      meanMs: s.meanMs,
      stdDevMs: s.stdDevMs,
      ci95Ms: s.ci95Ms,
      n: s.n,
      firstCallMs: v.firstCall[stage] ?? null,
      hostPeakBytes: host?.peakRssBytes ?? null,
      hostStartBytes: host?.startRssBytes ?? null,
      hostDeltaBytes: host?.deltaBytes ?? null,
      gpuPeakBytes: gpu?.peakUsedBytes ?? null,
      gpuDeltaBytes: gpu?.deltaBytes ?? null,
    };
  });
}

function stepRows(v: VariantOk): SiteStepRow[] {
  const byIndex = new Map<number, SiteStepRow>();
  for (const run of v.runs) {
    for (const step of run.steps) {
      let row = byIndex.get(step.index);
      const decision = step.decision?.calls.map((c) => ({ call: c.call, computed: c.computed, change: c.change, accumulated: c.accumulated ?? null, ...(c.attention ? { broadcast: c.attention.filter((a) => !a.computed).map((a) => a.kind) } : {}), ...(c.skipSteps !== undefined ? { skipSteps: c.skipSteps } : {}) })) ?? null;
      if (!row) byIndex.set(step.index, (row = { index: step.index, timestep: step.timestep, kind: step.kind, msPerRun: [], medianMs: 0, decision, decisionVaries: false, threshold: step.decision?.threshold ?? null }));
      const outcome = (d: SiteStepRow['decision']) => JSON.stringify(d?.map((c) => [c.call, c.computed]) ?? null);
      if (outcome(decision) !== outcome(row.decision)) row.decisionVaries = true;
      row.msPerRun.push(step.ms);
    }
  }
  const rows = [...byIndex.values()].sort((a, b) => a.index - b.index);
  for (const row of rows) row.medianMs = median(row.msPerRun);
  return rows;
}

function profileStages(v: VariantOk): SiteProfileStage[] {
  return Object.entries(v.profile ?? {}).map(([stage, p]) => ({
    stage: stage as SiteStageName,
    byTime: [...p.byTime]
      .sort((a, b) => b.totalUs - a.totalUs)
      .slice(0, PROFILE_TOP)
      .map((o) => ({ op: o.op, node: o.node ?? null, totalUs: o.totalUs, count: o.count, gflops: o.flops && o.totalUs > 0 ? o.flops / o.totalUs / 1e3 : null })),
    bySize: [...p.bySize]
      .sort((a, b) => b.activationBytes - a.activationBytes)
      .slice(0, PROFILE_TOP)
      .map((o) => ({ op: o.op, node: o.node ?? null, activationBytes: o.activationBytes, outputBytes: o.outputBytes, shapes: o.shapes ?? null })),
  }));
}
