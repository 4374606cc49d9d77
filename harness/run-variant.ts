import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttentionReport, StageName } from '../pipelines/types.ts';
import { STAGES } from '../pipelines/types.ts';
import { energyJoules, processPeakBytes, summariseGpuStage } from './gpu-memory-sampler.ts';
import { startHostMemorySampler } from './host-memory-sampler.ts';
import { trackChild } from './process-registry.ts';
import { providerChildEnv } from './resolve-device.ts';
import type { GpuMemory, HostMemoryStage, Timeline, VariantError, VariantOk, VariantSpec } from './results-schema.ts';
import { summariseSamples } from './statistics.ts';
import type { GpuSample, GpuSampler, HostMemorySample } from './types.ts';
import type { RunPhase, WorkerJob, WorkerMessage } from './worker-protocol.ts';
import { epochNow } from './worker-protocol.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** How often resident memory is read for maxRssBytes when the timeline's sampling is off. */
const WATCHDOG_INTERVAL_MS = 20;

/** Everything needed to run one (model, variant) in its own child process. */
export interface VariantRunInput {
  model: string;
  spec: VariantSpec;
  job: WorkerJob;
  sampleIntervalMs: number;
  /** glibc's mmap threshold for the child (null keeps glibc's sliding default). */
  mallocMmapThreshold: number | null;
  /** Kill the child when its sampled resident memory passes this (null: no limit). */
  maxRssBytes: number | null;
  gpuSampler: GpuSampler | null;
  /** GPU names by UUID, from the run's system information. */
  gpuNames: Record<string, string>;
  /** Why GPU memory is absent when there is no sampler. */
  gpuUnavailableReason: string;
  /** Extra environment for the child (tests use it to inject faults). */
  env?: Record<string, string>;
  onMessage?: (message: WorkerMessage) => void;
}

/** The child's result, plus where it left the frames (for fidelity) and its profile traces. */
export interface VariantRunOutcome {
  result: VariantOk | VariantError;
  frames: { path: string; shape: [number, number, number, number] } | null;
  profileFiles: { stage: StageName; file: string }[];
}

interface RunRecord {
  stagesMs: Record<StageName, number>;
  steps: Extract<WorkerMessage, { type: 'run-done' }>['steps'];
  swaps: Extract<WorkerMessage, { type: 'run-done' }>['swaps'];
  cache: Extract<WorkerMessage, { type: 'run-done' }>['cache'];
  flops: Partial<Record<StageName, number>>;
  memory: Partial<Record<StageName, { startRssBytes: number; peakRssBytes: number; peakSource: 'vmhwm' | 'sampled' }>>;
  /** Epoch ms of each stage's start and end. */
  windows: Partial<Record<StageName, [number, number]>>;
  marks: Timeline['marks'];
}

const tail = (text: string, lines = 20) => text.trimEnd().split('\n').slice(-lines).join('\n');

function lastSampleBefore(samples: readonly GpuSample[], tMs: number): Record<string, GpuSample> {
  const idle: Record<string, GpuSample> = {};
  for (const s of samples) if (s.tMs <= tMs && (!idle[s.uuid] || idle[s.uuid]!.tMs <= s.tMs)) idle[s.uuid] = s;
  return idle;
}

/** Runs one variant in a fresh child, samples its memory from here, and turns what it reported into a result. */
export async function runVariantInChild(input: VariantRunInput): Promise<VariantRunOutcome> {
  const { job } = input;
  const parentOrigin = performance.timeOrigin;
  const gpuIdle = input.gpuSampler ? lastSampleBefore(input.gpuSampler.samples(), performance.now()) : {};
  const env: NodeJS.ProcessEnv = { ...process.env, ...input.env };
  // Provider hook: what the execution provider needs in a child's environment (for webgpu, XDG_RUNTIME_DIR).
  Object.assign(env, providerChildEnv(job.request.executionProvider, env));
  if (input.mallocMmapThreshold !== null) env.MALLOC_MMAP_THRESHOLD_ = String(input.mallocMmapThreshold);
  else delete env.MALLOC_MMAP_THRESHOLD_;
  const child = fork(WORKER, [], { execArgv: ['--import', import.meta.resolve('tsx')], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = tail(stderr + chunk.toString(), 60);
  });
  // A memory limit is enforced even with sampling off: the sampler then only feeds the watchdog, and its samples
  // stay out of the results (which say sampling was off).
  const timelineOn = input.sampleIntervalMs > 0;
  const watchIntervalMs = timelineOn ? input.sampleIntervalMs : input.maxRssBytes !== null ? WATCHDOG_INTERVAL_MS : 0;
  const sampler = watchIntervalMs > 0 && child.pid ? startHostMemorySampler({ pid: child.pid, intervalMs: watchIntervalMs }) : null;

  const runs = new Map<string, RunRecord>();
  const record = (phase: RunPhase, run: number) => {
    const key = `${phase}:${run}`;
    if (!runs.has(key)) runs.set(key, { stagesMs: {} as Record<StageName, number>, steps: [], swaps: [], cache: { peakBytes: 0, location: 'none' }, flops: {}, memory: {}, windows: {}, marks: [] });
    return runs.get(key)!;
  };
  let frames: VariantRunOutcome['frames'] = null;
  let profileFiles: VariantRunOutcome['profileFiles'] = [];
  let reportedError: { code: string; message: string } | null = null;
  let attention: AttentionReport | null = null;
  let calibratedRatios: number[] | null = null;
  let lastStage: StageName | undefined;
  let limitHit: string | null = null;

  child.on('message', (message: WorkerMessage) => {
    input.onMessage?.(message);
    switch (message.type) {
      case 'event': {
        const r = record(message.phase, message.run);
        const e = message.event;
        if (e.type === 'stage-start') {
          r.windows[e.stage] = [message.tEpochMs, message.tEpochMs];
          r.marks.push({ tMs: message.tEpochMs, kind: 'stage-start', stage: e.stage });
          if (e.stage !== 'total') lastStage = e.stage;
        } else if (e.type === 'stage-end') {
          const w = r.windows[e.stage];
          if (w) w[1] = message.tEpochMs;
          r.stagesMs[e.stage] = e.ms;
          r.marks.push({ tMs: message.tEpochMs, kind: 'stage-end', stage: e.stage });
        } else if (e.type === 'step') {
          r.marks.push({ tMs: message.tEpochMs, kind: 'step', stage: 'denoise', step: e.step.index, stepKind: e.step.kind });
        }
        break;
      }
      case 'stage-memory':
        record(message.phase, message.run).memory[message.stage] = message;
        break;
      case 'run-done': {
        const r = record(message.phase, message.run);
        Object.assign(r, { stagesMs: message.stagesMs, steps: message.steps, swaps: message.swaps, cache: message.cache, flops: message.flops });
        break;
      }
      case 'frames':
        frames = { path: message.path, shape: message.shape };
        break;
      case 'profile-files':
        profileFiles = message.files;
        break;
      case 'error':
        reportedError = { code: message.code, message: message.message };
        break;
      case 'models-ready':
        attention = message.attention;
        if (message.magRatios) calibratedRatios = message.magRatios;
        break;
    }
  });

  const watchdog =
    input.maxRssBytes !== null && sampler
      ? setInterval(() => {
          const last = sampler.samples().at(-1);
          if (last && last.rssBytes > input.maxRssBytes! && !limitHit) {
            limitHit = `resident memory reached ${(last.rssBytes / 2 ** 20).toFixed(0)} MiB, over the limit of ${(input.maxRssBytes! / 2 ** 20).toFixed(0)} MiB (maxRssBytes)`;
            child.kill('SIGKILL');
          }
        }, 20)
      : null;

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  const spawnEpoch = epochNow();
  child.send(job);
  const { code, signal } = await exit;
  if (watchdog) clearInterval(watchdog);
  const hostOutcome = sampler ? await sampler.stop() : null;
  const hostSamples: HostMemorySample[] = hostOutcome && timelineOn ? [...hostOutcome.samples] : [];

  const measured = [...Array(job.repeats).keys()].map((i) => runs.get(`measured:${i}`)).filter((r): r is RunRecord => !!r && r.stagesMs.total !== undefined);
  if (code !== 0 || reportedError || measured.length < job.repeats) {
    const error = (reportedError as { code: string; message: string } | null) ?? {
      code: limitHit ? 'memory-limit' : signal ? 'child-killed' : 'child-crashed',
      message:
        limitHit ??
        (signal
          ? `the child process was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''} during ${lastStage ?? 'start-up'}`
          : `the child process exited with code ${code} during ${lastStage ?? 'start-up'}`),
    };
    const partialRun = [...runs.values()].at(-1);
    return {
      result: {
        status: 'error',
        model: input.model,
        variant: calibratedRatios ? { ...input.spec, magRatios: calibratedRatios } : input.spec,
        error: { ...error, exitCode: code, signal, ...(stderr ? { stderrTail: tail(stderr) } : {}) },
        partial: { ...(partialRun ? { stagesMs: partialRun.stagesMs } : {}), ...(lastStage ? { lastStage } : {}) },
      },
      frames: null,
      profileFiles: [],
    };
  }

  const stages = Object.fromEntries(STAGES.map((s) => [s, summariseSamples(measured.map((r) => r.stagesMs[s]))])) as VariantOk['stages'];
  const first = runs.get('warmup:0') ?? measured[0]!;
  const last = measured.at(-1)!;

  // Per stage, the measured run with the highest peak: a benchmark's memory figure is its worst case.
  const hostMemory: VariantOk['hostMemory'] = {};
  for (const s of STAGES.filter((x) => x !== 'total')) {
    const worst = measured.map((r) => r.memory[s]).filter((m) => !!m).sort((a, b) => b!.peakRssBytes - a!.peakRssBytes)[0];
    if (worst) hostMemory[s] = { peakRssBytes: worst.peakRssBytes, startRssBytes: worst.startRssBytes, deltaBytes: worst.peakRssBytes - worst.startRssBytes, peakSource: worst.peakSource };
  }
  const stagePeaks = Object.values(hostMemory) as HostMemoryStage[];
  if (stagePeaks.length) {
    const peak = Math.max(...stagePeaks.map((m) => m.peakRssBytes));
    const start = hostMemory.load?.startRssBytes ?? stagePeaks[0]!.startRssBytes;
    hostMemory.total = { peakRssBytes: peak, startRssBytes: start, deltaBytes: peak - start, peakSource: stagePeaks.every((m) => m.peakSource === 'vmhwm') ? 'vmhwm' : 'sampled' };
  }

  // The timeline shows the last measured run, on a clock that starts at its beginning.
  const [runStart, runEnd] = last.windows.total ?? [spawnEpoch, epochNow()];
  const toParentMs = (epoch: number) => epoch - parentOrigin;
  const margin = Math.max(50, input.sampleIntervalMs * 5);
  const inRun = (epoch: number) => epoch >= runStart - margin && epoch <= runEnd + margin;
  const gpuSamples = input.gpuSampler ? input.gpuSampler.samples() : [];
  const timeline: Timeline = {
    intervalMs: input.sampleIntervalMs,
    achievedSamplesPerSecond: timelineOn && hostOutcome?.status === 'ok' ? hostOutcome.achievedSamplesPerSecond : 0,
    host: hostSamples.filter((s) => inRun(s.tMs + parentOrigin)).map((s) => ({ tMs: s.tMs + parentOrigin - runStart, rssBytes: s.rssBytes })),
    gpu: gpuSamples
      .filter((s) => inRun(s.tMs + parentOrigin))
      .map((s) => ({
        tMs: s.tMs + parentOrigin - runStart,
        uuid: s.uuid,
        ...(s.usedBytes !== undefined ? { usedBytes: s.usedBytes } : {}),
        ...(s.utilizationPct !== undefined ? { utilizationPct: s.utilizationPct } : {}),
        ...(s.powerW !== undefined ? { powerW: s.powerW } : {}),
      })),
    marks: last.marks.map((m) => ({ ...m, tMs: m.tMs - runStart })),
  };

  let gpuMemory: GpuMemory = { status: 'unavailable', reason: input.gpuUnavailableReason };
  const energy: VariantOk['energy'] = {};
  if (input.gpuSampler) {
    const perGpu = new Map<string, Extract<GpuMemory, { status: 'ok' }>['perGpu'][number]>();
    for (const s of STAGES) {
      const w = last.windows[s];
      if (!w) continue;
      const summary = summariseGpuStage(gpuSamples, toParentMs(w[0]), toParentMs(w[1]), gpuIdle);
      for (const [uuid, g] of Object.entries(summary)) {
        if (g.peakUsedBytes === undefined || g.idleUsedBytes === undefined) continue;
        if (!perGpu.has(uuid)) perGpu.set(uuid, { uuid, name: input.gpuNames[uuid] ?? uuid, stages: {} });
        perGpu.get(uuid)!.stages[s] = { peakUsedBytes: g.peakUsedBytes, idleUsedBytes: g.idleUsedBytes, deltaBytes: g.peakUsedBytes - g.idleUsedBytes, sampleCount: g.sampleCount };
      }
      const joules = Object.values(energyJoules(gpuSamples, toParentMs(w[0]), toParentMs(w[1])))
        .filter((e) => e.status === 'ok')
        .reduce((sum, e) => sum + (e.status === 'ok' ? e.joules : 0), 0);
      if (joules > 0) energy[s] = { joules };
    }
    // The child's own allocation, where the driver reports per-process memory (it does not under MIG or WDDM).
    for (const [uuid, bytes] of Object.entries(processPeakBytes(input.gpuSampler.processSamples(), child.pid ?? -1))) {
      const gpu = perGpu.get(uuid);
      if (gpu) gpu.processPeakBytes = bytes;
    }
    gpuMemory = perGpu.size
      ? { status: 'ok', perGpu: [...perGpu.values()] }
      : { status: 'unavailable', reason: input.gpuSampler.unavailableReason() ?? 'nvidia-smi gave no memory.used value during this variant (it printed nothing or reported [N/A])' };
  }

  // Achieved rate per stage: the work of one run over the stage's median time.
  const work: NonNullable<VariantOk['work']> = {};
  for (const [stage, flops] of Object.entries(last.flops) as [StageName, number][]) {
    const ms = stages[stage].medianMs;
    if (flops > 0 && ms > 0) work[stage] = { flops, achievedGflops: flops / (ms / 1000) / 1e9 };
  }

  const result: VariantOk = {
    status: 'ok',
    model: input.model,
    variant: calibratedRatios ? { ...input.spec, magRatios: calibratedRatios } : input.spec,
    executionProvider: job.request.executionProvider,
    firstCall: first.stagesMs,
    stages,
    runs: measured.map((r) => ({ stagesMs: r.stagesMs, steps: r.steps })),
    hostMemory,
    gpuMemory,
    timeline,
    cache: last.cache,
    ...(attention ? { attention } : {}),
    ...(last.swaps.length ? { swap: last.swaps } : {}),
    ...(Object.keys(work).length ? { work } : {}),
    ...(Object.keys(energy).length ? { energy } : {}),
  };
  return { result, frames, profileFiles };
}
