// ---- report site data (reports/site-*.ts → the generated data file that site/ renders) ----

/** Name of a measured stage, as in the results schema (repeated here so that site/ needs no zod import). */
export type SiteStageName = 'load' | 'encode' | 'denoise' | 'decode' | 'total';

/** Where and when one run happened, as every page names it. */
export interface SiteRunRef {
  runId: string;
  suiteName: string;
  startedAt: string;
  commit: string | null;
  dirty: boolean;
  machineFingerprint: string;
  /** GPU name (or CPU model when there is no GPU) and host name. */
  machineLabel: string;
  executionProvider: string;
  /** Site-relative path of this run's overview page, e.g. `runs/<runId>/`. */
  overviewPath: string;
  /** Site-relative path of this run's ablation page. */
  ablationPath: string;
  /** Site-relative path of the copy of the results file the pages of this run were built from. */
  resultsPath: string;
}

/** Link to one run-detail page. */
export interface SiteDetailLink {
  model: string;
  variant: string;
  status: 'ok' | 'error';
  /** Site-relative path without the base, e.g. `runs/<runId>/<model>/<variant>/`. */
  path: string;
}

/** One row of the index page. */
export interface SiteIndexEntry {
  run: SiteRunRef;
  finishedAt: string;
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** memoryTotalBytes is absent where nvidia-smi did not report it. */
  gpus: { name: string; driver: string; memoryTotalBytes?: number }[];
  node: string;
  onnxruntimeNode: string;
  variantsOk: number;
  variantsError: number;
  models: string[];
  variants: string[];
  isLatest: boolean;
  /** Empty for runs older than the latest `detailRuns`. */
  details: SiteDetailLink[];
}

/** PSNR/SSIM of a variant against the baseline; `psnrDb` is null when the frames are identical. */
export interface SiteFidelity {
  identical: boolean;
  psnrDb: number | null;
  ssim: number;
  maxAbsError: number;
}

/** A part of a variant's median total time, as the overview stacks it; `other` is total minus the stages. */
export interface SiteTimePart {
  part: 'load' | 'encode' | 'denoise' | 'decode' | 'other';
  ms: number;
}

/** One variant of one model in the overview of a run. */
export type SiteOverviewRow =
  | {
      status: 'ok';
      variant: string;
      kind: string;
      detailPath: string | null;
      stagesMedianMs: Record<SiteStageName, number>;
      /** Parts that add up to the median total: load is one of them when the run timed it inside total. */
      totalParts: SiteTimePart[];
      totalCi95Ms: [number, number];
      repeats: number;
      peakHostBytes: number;
      peakGpuBytes: number | null;
      cacheBytes: number;
      cacheLocation: string;
      /** Baseline total median ÷ this variant's; null without an ok baseline of the same model. */
      speedup: number | null;
      /** This variant's peak host memory ÷ the baseline's. */
      hostMemoryRatio: number | null;
      /** This variant's peak GPU memory ÷ the baseline's. */
      gpuMemoryRatio: number | null;
      fidelity: SiteFidelity | null;
      /** Denoise speed-up measured and allowed by the FLOP counts, and each stage's share of the matmul peak. */
      ceiling: SpeedupCeiling;
      /** Attention form of the denoiser graphs ('unfused' for runs recorded before the form was reported). */
      attention: 'fused' | 'unfused' | 'partly-fused';
    }
  | {
      status: 'error';
      variant: string;
      kind: string;
      detailPath: string | null;
      errorCode: string;
      errorMessage: string;
      lastStage: string | null;
    };

/** A variant as a point of the latency vs peak-memory scatter; `pareto` when no other variant is as fast and as lean. */
export interface SiteTradeoffPoint {
  variant: string;
  totalMedianMs: number;
  peakBytes: number;
  fidelity: SiteFidelity | null;
  pareto: boolean;
}

/** The overview page: every model × variant of one run. */
/** One accelerated variant on the speed-up against fidelity chart; a method's variants (a threshold sweep) form one curve. */
export interface SiteFidelityTradeoffPoint {
  variant: string;
  method: string;
  denoiseSpeedup: number | null;
  totalSpeedup: number | null;
  fidelity: SiteFidelity | null;
}

/** A model's denoiser family, and what each variant of the run did to it, in words. */
export interface SiteModelArchitecture {
  family: 'U-Net' | 'diffusion transformer';
  blocks: number | null;
  description: string;
  variants: { variant: string; meaning: string }[];
}

export interface SiteOverview {
  run: SiteRunRef;
  /** True when `total` includes session creation (`load`), as the harness times it. */
  loadInsideTotal: boolean;
  /** Which memory the scatter uses: GPU where measured, else host. */
  tradeoffMemory: 'gpu' | 'host';
  prompt: string;
  negativePrompt: string;
  device: string;
  steps: number;
  frames: number;
  warmup: number;
  repeats: number;
  sessionSettings: string;
  /** User models: name → manifest file, and the conditioning image of an image-to-video run (else null). */
  modelSources: { model: string; manifest: string }[];
  image: string | null;
  hasGpuMemory: boolean;
  models: { model: string; architecture: SiteModelArchitecture | null; baselineVariant: string | null; rows: SiteOverviewRow[]; tradeoff: SiteTradeoffPoint[]; fidelityTradeoff: SiteFidelityTradeoffPoint[] }[];
}

/** A sampled timeline reduced for drawing: points are `[tMs, MiB]`. */
export interface SiteTimeline {
  intervalMs: number;
  achievedSamplesPerSecond: number;
  hostSampleCount: number;
  host: [number, number][];
  gpu: { uuid: string; name: string; points: [number, number][] }[];
  bands: { stage: SiteStageName; fromMs: number; toMs: number }[];
  steps: { tMs: number; step: number; kind: 'full' | 'cached' }[];
}

/** Statistics of one stage on a detail page. */
export interface SiteStageRow {
  stage: SiteStageName;
  medianMs: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  stdDevMs: number;
  ci95Ms: [number, number];
  n: number;
  firstCallMs: number | null;
  hostPeakBytes: number | null;
  hostStartBytes: number | null;
  hostDeltaBytes: number | null;
  gpuPeakBytes: number | null;
  gpuDeltaBytes: number | null;
}

/** One denoising step across the measured runs. */
export interface SiteStepRow {
  index: number;
  timestep: number;
  kind: 'full' | 'cached';
  msPerRun: number[];
  medianMs: number;
  /** Run-time caches: the first measured run's decision per transformer call; null for other variants. */
  decision: { call: string; computed: boolean; change: number | null; accumulated: number | null; /** pab: the attention kinds this call broadcast. */ broadcast?: string[]; /** mag-cache: steps counted since the call last computed. */ skipSteps?: number }[] | null;
  /** True when the measured runs did not all compute and reuse the same calls at this step. */
  decisionVaries: boolean;
  /** Run-time caches: the threshold the decision was made against; null for other variants. */
  threshold: number | null;
}

/** The operators of one stage's profile, heaviest first. */
export interface SiteProfileStage {
  stage: SiteStageName;
  /** `gflops`: the operator's achieved rate, where its kernels' shapes give their work. */
  byTime: { op: string; node: string | null; totalUs: number; count: number; gflops: number | null }[];
  bySize: { op: string; node: string | null; activationBytes: number; outputBytes: number; shapes: string | null }[];
}

/** Preview images copied into the site; site-relative paths without the base. */
export interface SitePreviews {
  first: string | null;
  middle: string | null;
  last: string | null;
  diffHeatmap: string | null;
  missing: string[];
}

/** Everything the detail page of one (run, model, variant) shows. */
export type SiteVariantDetail = {
  path: string;
  run: SiteRunRef;
  model: string;
  variant: string;
  kind: string;
  /** The variant's switches as `key=value` text. */
  switches: string[];
  /** The model's denoiser family and what this run's variants did to it; null for older results. */
  architecture: SiteModelArchitecture | null;
  /** The other variants of the same model in the same run. */
  siblings: SiteDetailLink[];
} & (
  | {
      status: 'ok';
      executionProvider: string;
      stages: SiteStageRow[];
      gpuNote: string | null;
      cache: { peakBytes: number; location: string; note: string | null };
      swap: { stage: string; what: string; ms: number }[];
      fidelity: SiteFidelity | null;
      fidelityNote: string | null;
      previews: SitePreviews | null;
      steps: SiteStepRow[];
      profile: SiteProfileStage[];
      timeline: SiteTimeline;
      energyJoules: { stage: string; joules: number }[];
      work: { stage: string; flops: number; achievedGflops: number }[];
    }
  | {
      status: 'error';
      error: { code: string; message: string; exitCode: number | null; signal: string | null; stderrTail: string | null };
      partialStagesMs: { stage: string; ms: number }[];
      lastStage: string | null;
    }
);

/** One row of the ablation table: which strategies are on, and what they cost and save. */
export interface SiteAblationRow {
  variant: string;
  kind: string;
  status: 'ok' | 'error';
  switches: { cache: boolean; swap: boolean; chunk: boolean; slice: boolean };
  totalMedianMs: number | null;
  totalCi95Ms: [number, number] | null;
  speedup: number | null;
  peakHostBytes: number | null;
  peakGpuBytes: number | null;
  cacheBytes: number | null;
  fidelity: SiteFidelity | null;
  errorMessage: string | null;
  /** Columns in which this row beats every other row by more than noise (see SiteAblation.bestRule). */
  best: ('time' | 'speedup' | 'host' | 'gpu' | 'psnr' | 'ssim')[];
}

/** The ablation page of one run, one table per model. */
export interface SiteAblation {
  run: SiteRunRef;
  hasGpuMemory: boolean;
  /** How far a value must lead before it is marked best, in words. */
  bestRule: string;
  models: { model: string; architecture: SiteModelArchitecture | null; rows: SiteAblationRow[]; fidelityTradeoff: SiteFidelityTradeoffPoint[] }[];
}

/** One machine in a hardware comparison, with the run that represents it (its latest of the suite). */
export interface SiteHardwareMachine {
  fingerprint: string;
  label: string;
  cpuModel: string;
  gpuName: string | null;
  driver: string | null;
  runId: string;
  startedAt: string;
  commit: string | null;
  dirty: boolean;
  resultsPath: string;
}

/** Runs of one suite on several machines; `values[i]` belongs to `machines[i]`, null where that machine has no ok result. */
export interface SiteHardwareGroup {
  suiteName: string;
  machines: SiteHardwareMachine[];
  /** Why the machines' figures may differ for reasons other than hardware (other commits, uncommitted changes); empty when none. */
  caveats: string[];
  rows: {
    model: string;
    variant: string;
    /** Per machine: measured, failed, or not in that machine's run. */
    status: ('ok' | 'error' | 'absent')[];
    totalMedianMs: (number | null)[];
    peakHostBytes: (number | null)[];
    peakGpuBytes: (number | null)[];
  }[];
}

/** Metrics followed over commits. */
export type SiteHistoryMetric = 'totalMedianMs' | 'denoiseMedianMs' | 'peakHostBytes' | 'peakGpuBytes';

/** A step change in a history series, from the change-point detector. */
export interface SiteStepChange {
  /** Index of the first point after the change. */
  index: number;
  beforeValue: number;
  afterValue: number;
  direction: 'regression' | 'improvement';
}

/** One series of a history group: a metric of one (model, variant) over the group's runs. */
export interface SiteHistorySeries {
  model: string;
  variant: string;
  metric: SiteHistoryMetric;
  values: (number | null)[];
  /** Min and max of the measured runs behind each value (times only; null for peaks, which are one figure). */
  spread: ({ low: number; high: number } | null)[] | null;
  stepChanges: SiteStepChange[];
  /** The suite's own threshold for this metric and variant, in percent; null where the suite sets none. */
  thresholdPct: number | null;
}

/** Runs of one suite on one machine over time; `values[i]` belongs to `points[i]`. */
export interface SiteHistoryGroup {
  suiteName: string;
  machineFingerprint: string;
  machineLabel: string;
  device: string;
  /** `label` is unique within the group: commit, date and time (and a counter if two runs share them). */
  points: { runId: string; startedAt: string; commit: string | null; dirty: boolean; label: string; overviewPath: string }[];
  series: SiteHistorySeries[];
}

/** A step change found in a history series, as the regressions page lists it. */
export interface SiteRegression {
  suiteName: string;
  machineLabel: string;
  model: string;
  variant: string;
  metric: SiteHistoryMetric;
  direction: 'regression' | 'improvement';
  beforeValue: number;
  afterValue: number;
  /** (after − before) ÷ before, in percent. */
  changePct: number;
  /** The last run before the change and the first after it. */
  before: { runId: string; commit: string | null; dirty: boolean; overviewPath: string };
  after: { runId: string; commit: string | null; dirty: boolean; overviewPath: string };
}

/** The fixed scale of every difference heat map, for the colour bar the pages draw next to them. */
export interface SiteHeatmapScale {
  minAbs: number;
  maxAbs: number;
  log10: boolean;
  stops: { at: number; rgb: readonly [number, number, number] }[];
}

/** The generated data file the site is built from. */
export interface SiteData {
  siteDataVersion: 2;
  generatedAt: string;
  runCount: number;
  /** Web address of the repository the runs measured; commits link to `<url>/commit/<sha>`. Null: no links. */
  repositoryUrl: string | null;
  heatmapScale: SiteHeatmapScale;
  /** Detail pages exist for the latest `detailRuns` runs; timelines hold at most `timelinePoints` points each. */
  limits: { detailRuns: number; timelinePoints: number };
  /** Newest first. */
  index: SiteIndexEntry[];
  /** Run id of the newest run, whose overview and ablation are also the site's top pages. */
  latestRunId: string | null;
  /** Overview and ablation of every run, newest first. */
  runs: { overview: SiteOverview; ablation: SiteAblation }[];
  details: SiteVariantDetail[];
  hardware: SiteHardwareGroup[];
  history: SiteHistoryGroup[];
  /** Step changes of every history series, regressions first, newest first. */
  regressions: SiteRegression[];
  /** Where history step changes come from; 'none' when no detector was given. */
  stepChangeSource: string;
  warnings: string[];
}

/** Finds step changes in one history series (values in run order, null where a run has no value). */
export type SiteStepChangeDetector = (values: readonly (number | null)[], metric: SiteHistoryMetric) => SiteStepChange[];

/** A file the site needs besides the pages: copied from `from` (absolute) to `to` (relative to the site root). */
export interface SiteAssetCopy {
  from: string;
  to: string;
}

// ---- regression tracking: comparison, history, change points, results store, exports ----

import type { LoadedRun, ResultsFileProblem } from '../harness/results-file.ts';
import type { RunContext, StageName } from '../harness/results-schema.ts';

/** Which form of the Mann-Whitney null distribution gave the p-value. */
export type MannWhitneyMethod = 'exact' | 'asymptotic';

/** Outcome of a two-sided Mann-Whitney U test. */
export interface MannWhitneyResult {
  /** U of the first sample (scipy's `statistic`). */
  u1: number;
  pValue: number;
  method: MannWhitneyMethod;
  n1: number;
  n2: number;
  /** Whether any value occurs more than once across both samples. */
  ties: boolean;
}

/** A figure that compare and history follow per (model, variant): stage time, memory peaks, fidelity. */
export type TrackedMetric = 'time' | 'host-memory' | 'gpu-memory' | 'fidelity-psnr';

/** How large a change must be before it counts (percent for time and memory, dB for PSNR). */
export interface ChangeThresholds {
  timePct: number;
  memoryPct: number;
  fidelityPsnrDb: number;
}

/** Options of `compareRuns`: significance level and threshold overrides (e.g. from command-line flags). */
export interface CompareOptions {
  /** Significance level of the time test; default 0.05. */
  alpha?: number;
  /** Replace the suite's default thresholds; a suite's per-variant thresholds still win for their variant. */
  thresholds?: Partial<ChangeThresholds>;
}

/** Outcome of one comparison. */
export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'incomparable';

/** Why a time change was (or was not) taken as real. */
export type TimeEvidence =
  | { method: 'mann-whitney'; test: MannWhitneyMethod; pValue: number; alpha: number; significant: boolean; nBase: number; nHead: number }
  | {
      method: 'ci-overlap';
      /** Why the rank test could not decide, e.g. too few samples for any p-value to reach alpha. */
      reason: string;
      overlap: boolean;
      significant: boolean;
      baseCi95Ms: [number, number];
      headCi95Ms: [number, number];
      nBase: number;
      nHead: number;
    };

/** How a metric's verdict was reached: a significance test for time, the threshold alone for memory and fidelity. */
export type ComparisonEvidence = TimeEvidence | { method: 'threshold' };

/** One metric of one (model, variant), BASE against HEAD. */
export type MetricComparison = {
  model: string;
  variant: string;
  /** null for fidelity, which belongs to the whole video. */
  stage: StageName | null;
  metric: TrackedMetric;
  /** GPU the memory figure belongs to (its position in the run's GPU list and its name). */
  gpu?: { index: number; name: string };
  unit: 'ms' | 'bytes' | 'dB';
} & (
  | {
      status: 'regression' | 'improvement' | 'unchanged';
      /** Median ms, peak bytes or PSNR dB; PSNR is null for frames identical to the baseline's (infinite). */
      base: number | null;
      head: number | null;
      /** Percent for time and memory, dB for PSNR; null where it is undefined (from 0, or to or from identical frames). */
      change: number | null;
      /** The threshold that applied, in the unit of `change`. */
      threshold: number;
      evidence: ComparisonEvidence;
    }
  | { status: 'incomparable'; reason: string; base: number | null; head: number | null }
);

/** Whether one side has an ok result, a failed one, or none for a (model, variant). */
export type SideStatus = 'ok' | 'error' | 'absent';

/** All comparisons of one (model, variant); `reason` explains a verdict that no metric gives (a failure, a missing side). */
export interface VariantComparison {
  model: string;
  variant: string;
  status: Verdict;
  baseStatus: SideStatus;
  headStatus: SideStatus;
  reason: string | null;
  metrics: MetricComparison[];
}

/** The runs one side of a comparison was drawn from. */
export interface ComparisonSide {
  label: 'BASE' | 'HEAD';
  runIds: string[];
  commits: string[];
  dirty: boolean;
  machines: string[];
}

/** Counts of comparison rows by verdict (a failed or missing variant is one row). */
export type VerdictCounts = Record<Verdict, number>;

/** The result of `compareRuns`. */
export interface RunComparison {
  suite: string;
  device: string;
  base: ComparisonSide;
  head: ComparisonSide;
  alpha: number;
  /** Thresholds every variant without its own entry used. */
  thresholds: ChangeThresholds;
  /** From a folder, each (model, variant) comes from the latest run (by start time) that has it. */
  selection: 'latest-per-pair';
  counts: VerdictCounts;
  /** Things worth knowing that do not stop the comparison (different machines, changed variant settings). */
  notes: string[];
  variants: VariantComparison[];
}

/** Options of the change-point detector. */
export interface ChangePointOptions {
  /** Multiplier of the penalty per change, in units of noise × ln(n); default 3. */
  penalty?: number;
  /** Fewest points in a segment; default 2, so one odd point never forms a segment of its own. */
  minSegmentLength?: number;
  /** A change must move the median by at least this fraction of the earlier level; default 0.05. */
  minRelativeShift?: number;
  /** …and by at least this much in the series' unit; default 0. */
  minAbsoluteShift?: number;
}

/** A step change: the series settles at a new level from `index` on. */
export interface ChangePoint {
  /** Index of the first point of the new level. */
  index: number;
  /** Median of the segment before and from `index`. */
  before: number;
  after: number;
  /** (after - before) / |before|; null when before is 0. */
  relativeShift: number | null;
}

/** The machine a history series was measured on. */
export interface HistoryMachine {
  fingerprint: string;
  hostname: string;
  cpuModel: string;
  gpus: string[];
}

/** A step change marked on the point where the new level starts. */
export interface HistoryChangeMark {
  before: number;
  after: number;
  /** Percent for time and memory, dB for PSNR. */
  change: number | null;
  direction: 'regression' | 'improvement';
}

/** One run's value in a series: median ms for time, peak bytes for memory, dB for PSNR. */
export interface HistoryPoint {
  runId: string;
  commit: string | null;
  dirty: boolean;
  startedAt: string;
  value: number;
  /** Set on the first point of a new level. */
  changePoint: HistoryChangeMark | null;
}

/** One metric of one (model, variant) of one suite on one machine, oldest run first. */
export interface HistorySeries {
  /** Stable identifier of the series, e.g. for anchors. */
  key: string;
  machine: HistoryMachine;
  suite: string;
  /** Whether the runs' graphs computed attention fused; runs of the two forms never share a series. */
  attention: 'fused' | 'unfused';
  model: string;
  variant: string;
  stage: StageName | null;
  metric: TrackedMetric;
  gpu?: { uuid: string; name: string };
  unit: 'ms' | 'bytes' | 'dB';
  better: 'smaller' | 'bigger';
  points: HistoryPoint[];
}

/** `machine.json` of a results-store folder: the machine its runs were measured on. */
export interface StoredMachine {
  fingerprint: string;
  machine: RunContext['machine'];
  gpus: { name: string; memoryTotalBytes?: number }[];
  /** Every host name filed under this fingerprint (identical hardware on several hosts). */
  hostnames: string[];
}

/** Runs and machines read from a results store; unreadable files are collected, not thrown. */
export interface StoreContents {
  machines: StoredMachine[];
  runs: LoadedRun[];
  problems: ResultsFileProblem[];
}

/** Where `addToStore` put a run; `unchanged` when the same run was already filed. */
export interface StoredRunLocation {
  file: string;
  fingerprint: string;
  status: 'added' | 'unchanged';
}

/** One entry of github-action-benchmark's `customSmallerIsBetter` input. */
export interface GithubBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/** One metric of a Bencher Metric Format benchmark. */
export interface BencherMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/** Bencher Metric Format JSON: benchmark name → measure → metric. */
export type BencherMetricFormat = Record<string, Record<string, BencherMetric>>;

/** A variant's denoise speed-up next to the one its FLOP count allows, and each stage's share of the measured matmul peak. */
export interface SpeedupCeiling {
  /** Baseline median denoise time over the variant's; null without a baseline. */
  denoiseMeasured: number | null;
  /** Baseline denoise work over the variant's; null where either was not counted. */
  denoiseFlopIdeal: number | null;
  /** Achieved GFLOP/s over the run's calibrated matmul GFLOP/s, per stage with counted work. */
  peakShare: Partial<Record<'load' | 'encode' | 'denoise' | 'decode' | 'total', number>>;
}
