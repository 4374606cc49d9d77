import { existsSync } from 'node:fs';
import type { LoadedRun } from '../harness/results-file.ts';
import type { RunResult } from '../harness/results-schema.ts';
import type { SiteAssetCopy, SiteData, SiteDetailLink, SiteIndexEntry, SiteStepChangeDetector } from './types.ts';
import { siteAblation } from './site-ablation.ts';
import { siteDetails } from './site-detail.ts';
import { siteHardware } from './site-hardware.ts';
import { HEATMAP_SCALE, HEATMAP_STOPS } from './heatmap-scale.ts';
import { siteHistory, siteRegressions } from './site-history.ts';
import { siteOverview } from './site-overview.ts';
import { PreviewAssets } from './site-previews.ts';
import { detailPagePath, runResultsPath } from './site-slug.ts';
import { runRef, sortRunsByStart } from './site-variant-figures.ts';

/** Options of `buildSiteData`. */
export interface SiteDataOptions {
  /** Detail pages (with timelines) are made for this many of the newest runs; default 20. */
  detailRuns?: number;
  /** Most points a drawn timeline series keeps; default 400. */
  timelinePoints?: number;
  /** Marks step changes in history series; without one, history draws the series unmarked. */
  detectStepChanges?: SiteStepChangeDetector | null;
  /** Names the detector on the history page. */
  stepChangeSource?: string;
  /** Whether a preview file exists; tests pass their own. */
  fileExists?: (path: string) => boolean;
  /** Clock for `generatedAt`. */
  now?: () => Date;
  /** Web address of the measured repository; commits link to `<url>/commit/<sha>`. */
  repositoryUrl?: string | null;
}

export const DEFAULT_DETAIL_RUNS = 20;
export const DEFAULT_TIMELINE_POINTS = 400;

/** Turns validated runs into the one data file the site renders, plus the preview images it must copy. */
export function buildSiteData(runs: readonly LoadedRun[], options: SiteDataOptions = {}): { data: SiteData; assets: SiteAssetCopy[] } {
  const detailRuns = options.detailRuns ?? DEFAULT_DETAIL_RUNS;
  const timelinePoints = options.timelinePoints ?? DEFAULT_TIMELINE_POINTS;
  const sorted = sortRunsByStart(runs);
  const newestFirst = [...sorted].reverse();
  const withDetails = new Set(newestFirst.slice(0, detailRuns).map((r) => r.run.runId));
  const latest = newestFirst[0] ?? null;
  const previews = new PreviewAssets(options.fileExists ?? existsSync);
  const detailPath = (run: RunResult) => (model: string, variant: string) =>
    withDetails.has(run.runId) ? detailPagePath(run.runId, model, variant) : null;

  const details = newestFirst.filter((r) => withDetails.has(r.run.runId)).flatMap((r) => siteDetails(r, previews, timelinePoints));
  const index = newestFirst.map((loaded): SiteIndexEntry => indexEntry(loaded.run, loaded === latest, withDetails.has(loaded.run.runId)));
  const detector = options.detectStepChanges ?? null;
  const history = siteHistory(sorted, detector);
  const data: SiteData = {
    siteDataVersion: 2,
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    runCount: sorted.length,
    repositoryUrl: options.repositoryUrl ? options.repositoryUrl.replace(/\/+$/, '') : null,
    heatmapScale: { ...HEATMAP_SCALE, stops: HEATMAP_STOPS.map((s) => ({ at: s.at, rgb: s.rgb })) },
    limits: { detailRuns, timelinePoints },
    index,
    latestRunId: latest?.run.runId ?? null,
    runs: newestFirst.map(({ run }) => ({ overview: siteOverview(run, detailPath(run)), ablation: siteAblation(run) })),
    details,
    hardware: siteHardware(sorted),
    history,
    regressions: siteRegressions(history),
    stepChangeSource: detector ? (options.stepChangeSource ?? 'custom detector') : 'none',
    warnings: previews.warnings,
  };
  // Every page links the results file it was built from, so the figures can be checked against the source.
  const results = sorted.map(({ file, run }) => ({ from: file, to: runResultsPath(run.runId) }));
  return { data, assets: [...previews.copies.values(), ...results] };
}

function indexEntry(run: RunResult, isLatest: boolean, hasDetails: boolean): SiteIndexEntry {
  const { machine, gpus } = run.context;
  const details: SiteDetailLink[] = hasDetails
    ? run.variants.map((v) => ({ model: v.model, variant: v.variant.name, status: v.status, path: detailPagePath(run.runId, v.model, v.variant.name) }))
    : [];
  return {
    run: runRef(run),
    finishedAt: run.finishedAt,
    hostname: machine.hostname,
    cpuModel: machine.cpuModel,
    cores: machine.cores,
    memoryBytes: machine.memoryBytes,
    os: machine.os,
    gpus: gpus.map((g) => ({ name: g.name, driver: g.driver, ...(g.memoryTotalBytes !== undefined ? { memoryTotalBytes: g.memoryTotalBytes } : {}) })),
    node: run.context.node,
    onnxruntimeNode: run.context.onnxruntimeNode,
    variantsOk: run.variants.filter((v) => v.status === 'ok').length,
    variantsError: run.variants.filter((v) => v.status === 'error').length,
    models: [...run.suite.models],
    variants: run.suite.variants.map((v) => v.name),
    isLatest,
    details,
  };
}
