import type { DenoiseLoop } from './denoise-loop.ts';
import { denoise } from './denoise-loop.ts';
import type { ModelSession } from './ort-backend.ts';
import { createSession } from './ort-backend.ts';
import type { CacheReport, ExecutionProviderName, PipelineEvent, PipelineOutput, SessionSettings, StageName, StepRecord, SwapRecord } from './types.ts';

const now = () => performance.now();

/** What the session lifecycle of one pipeline run depends on. */
export interface StageSessionOptions {
  settings: SessionSettings;
  executionProvider: ExecutionProviderName;
  /** Files were optimised ahead of time: sessions load them with optimisation off. */
  preOptimized: boolean;
  /** Model offload: sessions live only through the stage they serve, and every move is itemised. */
  swap: boolean;
  profilePrefix?: string;
  emit: (event: PipelineEvent) => void;
}

/** What a run's stages made: frames, steps, the cache's report and each stage's work. */
export interface RunParts {
  frames: Float32Array;
  frameShape: [number, number, number, number];
  steps: StepRecord[];
  cache: CacheReport | null;
  flops: { encode: number; denoise: number; decode: number };
}

/**
 * Stage timing and the sessions of one pipeline run. Without swap, sessions opened in `load` stay to the end;
 * with swap each stage opens its own and releases them at its end, and each load and release is a SwapRecord
 * counted in the stage it serves. Events are emitted synchronously so an observer can reset memory peaks.
 */
export class StageSessions {
  private readonly stagesMs = {} as Record<StageName, number>;
  private readonly swaps: SwapRecord[] = [];
  private readonly profileFiles: { stage: StageName; file: string }[] = [];
  private readonly open = new Map<string, { session: ModelSession; stage: StageName }>();
  private current: StageName = 'load';

  constructor(private readonly options: StageSessionOptions) {}

  /** The sessions of one run of `request`'s variant. */
  static forRun(
    request: { session: SessionSettings; executionProvider: ExecutionProviderName; variant: { swap: boolean }; profilePrefix?: string },
    preOptimized: boolean,
    emit: (event: PipelineEvent) => void,
  ): StageSessions {
    return new StageSessions({
      settings: request.session,
      executionProvider: request.executionProvider,
      preOptimized,
      swap: request.variant.swap,
      ...(request.profilePrefix ? { profilePrefix: request.profilePrefix } : {}),
      emit,
    });
  }

  async stage<T>(name: StageName, body: () => Promise<T>): Promise<T> {
    this.current = name;
    this.options.emit({ type: 'stage-start', stage: name });
    const start = now();
    const result = await body();
    this.stagesMs[name] = now() - start;
    this.options.emit({ type: 'stage-end', stage: name, ms: this.stagesMs[name] });
    return result;
  }

  private async timedSwap<T>(what: string, body: () => Promise<T>): Promise<T> {
    const start = now();
    const result = await body();
    const swap = { stage: this.current, what, ms: now() - start };
    this.swaps.push(swap);
    this.options.emit({ type: 'swap', swap });
    return result;
  }

  /** Opens a session now (in `load`, or at its stage's start with swap). */
  async openSession(key: string, path: string, servesStage: StageName, deviceOutputs?: readonly string[]): Promise<ModelSession> {
    const { settings, preOptimized, executionProvider, profilePrefix } = this.options;
    const create = () =>
      createSession({
        path,
        settings: preOptimized ? { ...settings, graphOptimizationLevel: 'disabled' as const } : settings,
        executionProvider,
        ...(profilePrefix ? { profilePrefix: `${profilePrefix}-${key}` } : {}),
        ...(deviceOutputs?.length ? { deviceOutputs } : {}),
      });
    const session = this.options.swap ? await this.timedSwap(`load ${key}`, create) : await create();
    this.open.set(key, { session, stage: servesStage });
    return session;
  }

  /** The open session of `key`, opened now when it is not (swap). */
  async sessionFor(key: string, path: string, servesStage: StageName, deviceOutputs?: readonly string[]): Promise<ModelSession> {
    return this.open.get(key)?.session ?? this.openSession(key, path, servesStage, deviceOutputs);
  }

  async closeSession(key: string): Promise<void> {
    const entry = this.open.get(key);
    if (!entry) return;
    this.open.delete(key);
    const file = entry.session.endProfiling();
    if (file) this.profileFiles.push({ stage: entry.stage, file });
    if (this.options.swap) await this.timedSwap(`release ${key}`, () => entry.session.release());
    else await entry.session.release();
  }

  /** With swap, releases the sessions a stage used at its end; without, they stay open. */
  async endOfStage(keys: readonly string[]): Promise<void> {
    if (this.options.swap) for (const key of keys) await this.closeSession(key);
  }

  private async closeAll(): Promise<void> {
    for (const key of [...this.open.keys()]) await this.closeSession(key);
  }

  /**
   * The whole run as the `total` stage: `body` runs the stages and returns what they made; every session is closed
   * before the clock stops (and released if a stage fails), and the output carries this run's times and moves.
   */
  async run(body: () => Promise<RunParts>): Promise<PipelineOutput> {
    this.options.emit({ type: 'stage-start', stage: 'total' });
    const start = now();
    try {
      const parts = await body();
      await this.closeAll();
      this.stagesMs.total = now() - start;
      this.options.emit({ type: 'stage-end', stage: 'total', ms: this.stagesMs.total });
      return this.output(parts);
    } finally {
      await this.releaseAll();
    }
  }

  private output(parts: RunParts): PipelineOutput {
    const { encode, denoise, decode } = parts.flops;
    return {
      frames: parts.frames,
      frameShape: parts.frameShape,
      flops: { encode, denoise, decode, total: encode + denoise + decode },
      stagesMs: this.stagesMs,
      steps: parts.steps,
      swaps: this.swaps,
      cache: parts.cache ?? { peakBytes: 0, location: 'none' },
      profileFiles: this.profileFiles,
    };
  }

  /** Releases whatever is still open after a failure, ignoring release errors. */
  private async releaseAll(): Promise<void> {
    for (const { session } of this.open.values()) await session.release().catch(() => {});
    this.open.clear();
  }
}

/**
 * What a kind of pipeline does in each stage; `runStagePlan` brackets and times them the same way for every kind.
 * `encode` and `decode` release their sessions at their end (endOfStage); the denoising loop is the one in
 * denoise-loop.ts, its sessions released by the bracket.
 */
export interface StagePlan<Conditioning> {
  /** Opens every session ahead of the stages (nothing with swap). */
  load(): Promise<void>;
  encode(): Promise<Conditioning>;
  /** The loop's graphs and inputs, its starting unit noise, and the session keys it used. */
  denoiser(conditioning: Conditioning): Promise<{ loop: DenoiseLoop; noise: Float32Array; keys: readonly string[] }>;
  /** Final latents to frames [frames, 3, H, W] in [0, 1]. */
  decode(latents: Float32Array): Promise<{ output: Float32Array; shape: [number, number, number, number] }>;
  flops(conditioning: Conditioning, steps: readonly StepRecord[]): RunParts['flops'];
}

/** One run: load, encode, denoise and decode as timed stages inside the `total` bracket. */
export function runStagePlan<Conditioning>(sessions: StageSessions, plan: StagePlan<Conditioning>): Promise<PipelineOutput> {
  return sessions.run(async () => {
    await sessions.stage('load', () => plan.load());
    const conditioning = await sessions.stage('encode', () => plan.encode());
    const { latents, steps, cache } = await sessions.stage('denoise', async () => {
      const { loop, noise, keys } = await plan.denoiser(conditioning);
      const result = await denoise(loop, noise);
      await sessions.endOfStage(keys);
      return { ...result, cache: loop.plan.report() };
    });
    const decoded = await sessions.stage('decode', () => plan.decode(latents));
    return { frames: decoded.output, frameShape: decoded.shape, steps, cache, flops: plan.flops(conditioning, steps) };
  });
}
