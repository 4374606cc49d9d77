import type { AnyPipelineRequest, AttentionReport, CacheReport, PipelineEvent, StageName, StepRecord, SwapRecord } from '../pipelines/types.ts';

/** Which pass of a variant a run belongs to. */
export type RunPhase = 'warmup' | 'measured' | 'profile';

/** What the parent asks one child to do: warm-up runs, measured runs, an optional profiling pass. */
export interface WorkerJob {
  request: AnyPipelineRequest;
  warmup: number;
  repeats: number;
  /** Directory for the profiling pass's trace files; null skips the pass. */
  profileDir: string | null;
  /** Where the child writes the last measured run's frames (raw float32), for fidelity and previews. */
  framesPath: string;
}

/** Messages from a child to the parent; `tEpochMs` is performance.timeOrigin + now(), comparable across processes. */
export type WorkerMessage =
  | { type: 'models-ready'; buildMs: number; attention: AttentionReport; /** mag-cache: the ratios calibrated before the timed runs. */ magRatios?: number[] }
  | { type: 'event'; phase: RunPhase; run: number; tEpochMs: number; event: PipelineEvent }
  | { type: 'stage-memory'; phase: RunPhase; run: number; stage: StageName; startRssBytes: number; peakRssBytes: number; peakSource: 'vmhwm' | 'sampled' }
  | { type: 'run-done'; phase: RunPhase; run: number; stagesMs: Record<StageName, number>; steps: StepRecord[]; swaps: SwapRecord[]; cache: CacheReport; flops: Partial<Record<StageName, number>> }
  | { type: 'profile-files'; files: { stage: StageName; file: string }[] }
  | { type: 'frames'; path: string; shape: [number, number, number, number] }
  | { type: 'error'; code: string; message: string };

/** Epoch milliseconds with sub-millisecond resolution, comparable between parent and child. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
