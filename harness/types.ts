// ---- samplers and system information (nvidia-smi, /proc, machine context) ----

/** Fields that nvidia-smi or /proc could not give, each with the reason; a missing value is never reported as 0. */
export type AbsentReasons<K extends string> = Partial<Record<K, string>>;

/** A line nvidia-smi printed that is not a reading (an error message, a cut-off line), and why. */
export interface MalformedLine {
  status: 'malformed';
  line: string;
  reason: string;
}

/** One GPU's reading from one line of `nvidia-smi --query-gpu=timestamp,uuid,memory.used,memory.total,utilization.gpu,power.draw`. */
export interface GpuReading {
  uuid: string;
  smiTimestamp?: string;
  smiEpochMs?: number;
  usedBytes?: number;
  totalBytes?: number;
  utilizationPct?: number;
  powerW?: number;
  absent: AbsentReasons<'smiTimestamp' | 'usedBytes' | 'totalBytes' | 'utilizationPct' | 'powerW'>;
}

/** One parsed line of the sampling query. */
export type GpuLineParse = { status: 'ok'; reading: GpuReading } | MalformedLine;

/** A GPU reading placed on the parent's monotonic clock (`tMs`) when its line arrived. */
export interface GpuSample extends GpuReading {
  tMs: number;
}

/** One compute process's device memory on one GPU, from `--query-compute-apps`. */
export interface GpuProcessReading {
  uuid: string;
  pid: number;
  usedBytes?: number;
  absent: AbsentReasons<'usedBytes'>;
}

/** One parsed line of the per-process query. */
export type GpuProcessLineParse = { status: 'ok'; reading: GpuProcessReading } | MalformedLine;

/** A per-process reading placed on the parent's monotonic clock. */
export interface GpuProcessSample extends GpuProcessReading {
  tMs: number;
}

/** One GPU as `--query-gpu=index,uuid,name,memory.total,driver_version` describes it. */
export interface GpuDescription {
  index: number;
  uuid: string;
  name: string;
  memoryTotalBytes?: number;
  driver?: string;
  absent: AbsentReasons<'memoryTotalBytes' | 'driver'>;
}

/** One parsed line of the metadata query. */
export type GpuDescriptionLineParse = { status: 'ok'; gpu: GpuDescription } | MalformedLine;

/** Options of `startGpuSampler`. */
export interface GpuSamplerOptions {
  /** Sampling interval passed to `nvidia-smi -lms`. */
  intervalMs: number;
  /** nvidia-smi executable name or path; `nvidia-smi` on PATH by default. */
  executable?: string;
  /** Monotonic clock in ms; `performance.now()` by default. */
  now?: () => number;
  /** How long to wait for the metadata query and for the first sample of every GPU. */
  startTimeoutMs?: number;
  /** Interval of the per-process poll; 0 turns it off. */
  processIntervalMs?: number;
}

/** Whether per-process device memory could be polled. */
export type GpuProcessSampling =
  | { status: 'ok'; intervalMs: number; polls: number }
  | { status: 'off' }
  | { status: 'unavailable'; reason: string };

/** Why GPU sampling gave no usable timeline. */
export type GpuUnavailableKind =
  | 'missing-executable'
  | 'spawn-failed'
  | 'metadata-failed'
  | 'exited'
  | 'no-output'
  | 'memory-not-reported';

/** What the GPU sampler hands back when stopped; samples taken before a failure are kept. */
export type GpuSamplerOutcome =
  | {
      status: 'ok';
      intervalMs: number;
      gpus: GpuDescription[];
      samples: GpuSample[];
      processSamples: GpuProcessSample[];
      processSampling: GpuProcessSampling;
      malformedLines: MalformedLine[];
      achievedSamplesPerSecond: Record<string, number>;
    }
  | {
      status: 'unavailable';
      kind: GpuUnavailableKind;
      reason: string;
      exitCode?: number | null;
      signal?: string | null;
      stderr?: string;
      intervalMs: number;
      gpus: GpuDescription[];
      samples: GpuSample[];
      processSamples: GpuProcessSample[];
      malformedLines: MalformedLine[];
    };

/** The peak of device memory used by one GPU within a window. */
export type GpuPeak =
  | { status: 'ok'; peakUsedBytes: number; sampleCount: number }
  | { status: 'absent'; reason: string; sampleCount: number };

/** One GPU's device memory over one stage: peak, idle value before the child started, their difference. */
export interface GpuStageSummary {
  uuid: string;
  sampleCount: number;
  peakUsedBytes?: number;
  idleUsedBytes?: number;
  deltaBytes?: number;
  absent: AbsentReasons<'peakUsedBytes' | 'idleUsedBytes' | 'deltaBytes'>;
}

/** Energy one GPU drew within a window, integrated from `power.draw`. */
export type GpuEnergy =
  | { status: 'ok'; joules: number; coveredMs: number; sampleCount: number }
  | { status: 'absent'; reason: string };

/** A running GPU sampler. */
export interface GpuSampler {
  /** The first sample of each GPU, taken before the measured child starts. */
  idle(): Record<string, GpuSample>;
  samples(): readonly GpuSample[];
  /** Per-process device memory polled so far (empty where the driver does not report it). */
  processSamples(): readonly GpuProcessSample[];
  peakBetween(t0Ms: number, t1Ms: number): Record<string, GpuPeak>;
  /** Why sampling stopped or never started (nvidia-smi's exit code and first stderr line, or its deadline); null while it runs. */
  unavailableReason(): string | null;
  /** Ends nvidia-smi and the per-process poll; never rejects. */
  stop(): Promise<GpuSamplerOutcome>;
}

/** Resident-memory figures of a `/proc/<pid>/status`, in bytes. */
export interface ProcStatusMemory {
  rssBytes?: number;
  hwmBytes?: number;
  peakBytes?: number;
  absent: AbsentReasons<'rssBytes' | 'hwmBytes' | 'peakBytes'>;
}

/** One resident-memory sample of the child, on the parent's monotonic clock. */
export interface HostMemorySample {
  tMs: number;
  rssBytes: number;
}

/** Options of `startHostMemorySampler`. */
export interface HostMemorySamplerOptions {
  pid: number;
  /** Default 10. */
  intervalMs?: number;
  /** Reads `/proc/<pid>/status`; injectable for tests. */
  readStatus?: (pid: number) => Promise<string>;
  /** Monotonic clock in ms; `performance.now()` by default. */
  now?: () => number;
  /** Timer used between reads; injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** What the host sampler hands back when stopped. */
export type HostMemoryOutcome =
  | {
      status: 'ok';
      pid: number;
      intervalMs: number;
      samples: HostMemorySample[];
      achievedSamplesPerSecond: number;
      /** Ticks skipped because a read ran past the next one. */
      missedTicks: number;
      ended: 'stopped' | 'process-exited';
    }
  | { status: 'unavailable'; pid: number; reason: string; samples: HostMemorySample[] };

/** A running host-memory sampler. */
export interface HostMemorySampler {
  samples(): readonly HostMemorySample[];
  /** Stops after the read in flight; never rejects. */
  stop(): Promise<HostMemoryOutcome>;
}

/** Result of resetting the child's peak resident memory (VmHWM). */
export type PeakRssReset = { status: 'reset' } | { status: 'not-reset'; reason: string; peakSince: 'process-start' };

/** The calling process's own resident memory. */
export type OwnMemory = { status: 'ok'; rssBytes: number; hwmBytes: number } | { status: 'unavailable'; reason: string };

/** Something of the run's context that may be missing, with why. */
export type Found<T> = ({ status: 'ok' } & T) | { status: 'absent'; reason: string };

/** A display/compute adapter as `systeminformation` lists it. */
export interface GraphicsController {
  vendor: string;
  model: string;
  vramBytes?: number;
}

/** Options of `collectSystemInfo`. */
export interface SystemInfoOptions {
  /** Also list graphics adapters through `systeminformation` (it runs nvidia-smi synchronously). */
  withGpus?: boolean;
  /** nvidia-smi executable name or path; `nvidia-smi` on PATH by default. */
  nvidiaSmi?: string;
  /** Directory whose git commit is recorded; the process's cwd by default. */
  cwd?: string;
  /** Deadline of each external query (nvidia-smi, git), after which it is killed; 15 s by default. */
  commandTimeoutMs?: number;
}

/** The machine and software a run happened on, collected once per run. */
export interface SystemInfo {
  machine: {
    cpuModel: string;
    cores: number;
    physicalCores: number;
    memoryBytes: number;
    os: string;
    kernel: string;
    arch: string;
    hostname: string;
    /** Stable hash of CPU model, cores, memory and GPU names, for grouping runs by machine. */
    fingerprint: string;
  };
  gpus: Found<{ gpus: GpuDescription[] }>;
  graphicsControllers: { status: 'ok'; controllers: GraphicsController[] } | { status: 'skipped'; reason: string };
  node: string;
  onnxruntimeNode: Found<{ version: string }>;
  git: Found<{ commit: string; dirty: boolean }>;
}

// ---- results file contract (defined in results-schema.ts) ----

/** Results-file types, inferred from the zod schemas in results-schema.ts. */
export type {
  Fidelity,
  GpuInfo,
  GpuMemory,
  HostMemoryStage,
  ResolvedSuite,
  RunContext,
  RunResult,
  SessionSettings,
  StageName,
  StageStats,
  StepRecord,
  Timeline,
  VariantError,
  VariantOk,
  VariantResult,
  VariantSpec,
} from './results-schema.ts';
/** A results file read and validated, and a file that could not be used. */
export type { LoadedRun, ResultsFileProblem } from './results-file.ts';

// ---- sharding and merging (shard-plan.ts, merge-runs.ts) ----

import type { RunResult as MergedRunResult } from './results-schema.ts';

/** One (model, variant) pair of a suite, the unit that shards divide. */
export interface ModelVariantPair {
  model: string;
  variant: string;
}

/** A shard of a suite's pairs: 0-based `index` of `count` (the flag `--shard 2/4` is index 1). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** A run to merge and the file it was read from (its preview paths are relative to that file). */
export interface ShardInput {
  run: MergedRunResult;
  file?: string;
}

/** Options of `mergeShardRuns`. */
export interface MergeOptions {
  /** Accept shards that together lack some of the suite's pairs. */
  allowPartial?: boolean;
  /** runId of the merged run; default derived from the earliest shard's. */
  runId?: string;
  /** Where the merged file will be written, so preview paths can be rebased onto it. */
  outFile?: string;
}

/** The merged run and what it lacks (only with allowPartial). */
export interface MergeResult {
  run: MergedRunResult;
  missingPairs: ModelVariantPair[];
}
