import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { HarnessError } from './harness-error.ts';
import { signalChild, trackChild } from './process-registry.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import {
  GPU_METADATA_FIELDS,
  GPU_PROCESS_FIELDS,
  GPU_SAMPLE_FIELDS,
  parseGpuMetadataOutput,
  parseGpuProcessOutput,
  parseGpuSampleLine,
} from './nvidia-smi-parser.ts';
import type {
  GpuDescription,
  GpuEnergy,
  GpuPeak,
  GpuProcessSample,
  GpuProcessSampling,
  GpuSample,
  GpuSampler,
  GpuSamplerOptions,
  GpuSamplerOutcome,
  GpuStageSummary,
  GpuUnavailableKind,
  MalformedLine,
} from './types.ts';

const STDERR_KEEP_CHARS = 8192;
const MALFORMED_KEEP = 50;
const KILL_GRACE_MS = 2000;

type RunOnce =
  | { status: 'ok'; stdout: string }
  | { status: 'failed'; kind: 'missing-executable' | 'exited' | 'no-output'; reason: string; exitCode?: number | null; stderr?: string };

/** One short nvidia-smi query, async, killed (SIGKILL in the end) at its deadline; a failure is a value. */
async function runOnce(executable: string, args: string[], timeoutMs: number): Promise<RunOnce> {
  const outcome = await runWithDeadline(executable, args, { timeoutMs, maxOutputBytes: 4 * 1024 * 1024 });
  if (outcome.status === 'ok') return { status: 'ok', stdout: outcome.stdout };
  if (outcome.kind === 'missing') return { status: 'failed', kind: 'missing-executable', reason: outcome.reason };
  if (outcome.kind === 'timed-out') return { status: 'failed', kind: 'no-output', reason: outcome.reason, stderr: outcome.stderr };
  return { status: 'failed', kind: 'exited', reason: outcome.reason, exitCode: outcome.exitCode, stderr: outcome.stderr };
}

/**
 * Starts one long-lived `nvidia-smi ... -lms N` and a slower per-process poll; resolves once every GPU has an
 * idle sample (or `startTimeoutMs` passed). A missing, hanging or dying nvidia-smi never rejects: `stop()` says
 * why. Only a nonsensical interval throws.
 */
export async function startGpuSampler(opts: GpuSamplerOptions): Promise<GpuSampler> {
  if (!Number.isInteger(opts.intervalMs) || opts.intervalMs < 1) {
    throw new HarnessError('invalid-interval', `GPU sampling interval must be a whole number of ms ≥ 1, got ${opts.intervalMs}`);
  }
  const executable = opts.executable ?? 'nvidia-smi';
  const now = opts.now ?? (() => performance.now());
  const startTimeoutMs = opts.startTimeoutMs ?? 5000;
  const processIntervalMs = opts.processIntervalMs ?? 500;
  const intervalMs = opts.intervalMs;

  const meta = await runOnce(executable, [`--query-gpu=${GPU_METADATA_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], startTimeoutMs);
  if (meta.status === 'failed') {
    const kind: GpuUnavailableKind = meta.kind === 'missing-executable' ? 'missing-executable' : 'metadata-failed';
    return finishedSampler({ status: 'unavailable', kind, reason: meta.reason, exitCode: meta.exitCode, stderr: meta.stderr, ...empty(intervalMs) });
  }
  const gpus = parseGpuMetadataOutput(meta.stdout).flatMap((p) => (p.status === 'ok' ? [p.gpu] : []));
  if (gpus.length === 0) {
    const said = meta.stdout.trim().split('\n')[0] ?? '';
    return finishedSampler({ status: 'unavailable', kind: 'metadata-failed', reason: `nvidia-smi listed no GPU${said ? `: ${said}` : ''}`, ...empty(intervalMs) });
  }
  return startLoop({ executable, now, startTimeoutMs, processIntervalMs, intervalMs, gpus });
}

function empty(intervalMs: number) {
  return { intervalMs, gpus: [] as GpuDescription[], samples: [] as GpuSample[], processSamples: [] as GpuProcessSample[], malformedLines: [] as MalformedLine[] };
}

/** A sampler that never ran: everything is empty and `stop()` gives the reason. */
function finishedSampler(outcome: GpuSamplerOutcome): GpuSampler {
  return {
    idle: () => ({}),
    samples: () => outcome.samples,
    processSamples: () => outcome.processSamples,
    peakBetween: (t0, t1) => peaksOf(outcome.samples, t0, t1),
    unavailableReason: () => (outcome.status === 'unavailable' ? outcome.reason : null),
    stop: async () => outcome,
  };
}

interface LoopConfig {
  executable: string;
  now: () => number;
  startTimeoutMs: number;
  processIntervalMs: number;
  intervalMs: number;
  gpus: GpuDescription[];
}

function startLoop(cfg: LoopConfig): Promise<GpuSampler> {
  const { executable, now, intervalMs, gpus } = cfg;
  const samples: GpuSample[] = [];
  const idle: Record<string, GpuSample> = {};
  const malformed: MalformedLine[] = [];
  const processSamples: GpuProcessSample[] = [];
  let processSampling: GpuProcessSampling = cfg.processIntervalMs > 0 ? { status: 'ok', intervalMs: cfg.processIntervalMs, polls: 0 } : { status: 'off' };
  let stderrTail = '';
  let spawnError: NodeJS.ErrnoException | undefined;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let killedByUs = false;
  let stopping = false;

  const child = spawn(executable, [`--query-gpu=${GPU_SAMPLE_FIELDS.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(intervalMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops anything it started (a wrapper script's children).
    detached: true,
  });
  trackChild(child, true);
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const linesClosed = new Promise<void>((r) => lines.once('close', r));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_KEEP_CHARS);
  });

  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  const expected = new Set(gpus.map((g) => g.uuid));

  lines.on('line', (line) => {
    const tMs = now();
    const parsed = parseGpuSampleLine(line);
    if (parsed.status === 'malformed') {
      if (malformed.length < MALFORMED_KEEP) malformed.push(parsed);
      return;
    }
    const sample: GpuSample = { ...parsed.reading, tMs };
    samples.push(sample);
    if (!idle[sample.uuid]) {
      idle[sample.uuid] = sample;
      expected.delete(sample.uuid);
      if (expected.size === 0) markReady();
    }
  });
  child.once('error', (err: NodeJS.ErrnoException) => {
    spawnError = err;
    markReady();
  });
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    markReady();
  });

  let pollTimer: NodeJS.Timeout | undefined;
  let pollInFlight: Promise<void> | undefined;
  const poll = (): void => {
    pollInFlight = (async () => {
      const r = await runOnce(executable, [`--query-compute-apps=${GPU_PROCESS_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], Math.max(2000, cfg.processIntervalMs * 4));
      const tMs = now();
      if (r.status === 'failed') {
        // A driver that cannot list processes (or a lost GPU) ends the poll; device totals still stand.
        processSampling = { status: 'unavailable', reason: r.reason };
        return;
      }
      if (processSampling.status === 'ok') processSampling = { ...processSampling, polls: processSampling.polls + 1 };
      for (const p of parseGpuProcessOutput(r.stdout)) if (p.status === 'ok') processSamples.push({ ...p.reading, tMs });
      if (!stopping) pollTimer = setTimeout(poll, cfg.processIntervalMs);
    })();
  };

  const stopChild = async (): Promise<void> => {
    if (exit === undefined && spawnError === undefined) {
      killedByUs = true;
      signalChild(child, 'SIGTERM', true);
      const grace = setTimeout(() => signalChild(child, 'SIGKILL', true), KILL_GRACE_MS);
      await exited;
      clearTimeout(grace);
      // Anything of the group that outlived its leader goes too; a pipe it still holds is not waited for.
      signalChild(child, 'SIGKILL', true);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
    } else if (spawnError === undefined) {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
    }
    await Promise.race([linesClosed, new Promise((r) => setTimeout(r, 100))]);
  };

  const outcome = (): GpuSamplerOutcome => {
    const base = { intervalMs, gpus, samples: [...samples], processSamples: [...processSamples], malformedLines: [...malformed] };
    if (spawnError) {
      const kind: GpuUnavailableKind = spawnError.code === 'ENOENT' ? 'missing-executable' : 'spawn-failed';
      return { status: 'unavailable', kind, reason: `${executable} could not be started: ${spawnError.message}`, ...base };
    }
    if (exit && !killedByUs) {
      const said = stderrTail.trim().split('\n')[0] ?? '';
      return {
        status: 'unavailable',
        kind: 'exited',
        reason: `nvidia-smi exited on its own (exit code ${exit.code ?? 'none'}${exit.signal ? `, signal ${exit.signal}` : ''}) after ${samples.length} samples${said ? `: ${said}` : ''}`,
        exitCode: exit.code,
        signal: exit.signal,
        stderr: stderrTail,
        ...base,
      };
    }
    if (samples.length === 0) {
      const lastLine = malformed.at(-1);
      return {
        status: 'unavailable',
        kind: 'no-output',
        reason: `nvidia-smi printed no sample within ${cfg.startTimeoutMs} ms${lastLine ? ` (last line: ${JSON.stringify(lastLine.line)})` : ''}`,
        stderr: stderrTail,
        ...base,
      };
    }
    if (samples.every((s) => s.usedBytes === undefined)) {
      return {
        status: 'unavailable',
        kind: 'memory-not-reported',
        reason: `nvidia-smi gave no memory.used in ${samples.length} samples (${samples[0]!.absent.usedBytes ?? 'absent'}); unified-memory devices report none`,
        ...base,
      };
    }
    return { status: 'ok', ...base, processSampling, achievedSamplesPerSecond: ratesOf(samples) };
  };

  let stopped: Promise<GpuSamplerOutcome> | undefined;
  const sampler: GpuSampler = {
    idle: () => ({ ...idle }),
    samples: () => samples,
    processSamples: () => processSamples,
    peakBetween: (t0, t1) => peaksOf(samples, t0, t1),
    unavailableReason: () => {
      if (!spawnError && !(exit && !killedByUs)) return null;
      const result = outcome();
      return result.status === 'unavailable' ? result.reason : null;
    },
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        clearTimeout(pollTimer);
        await pollInFlight;
        await stopChild();
        return outcome();
      })()),
  };

  return (async () => {
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), cfg.startTimeoutMs).unref());
    await Promise.race([ready, timeout]);
    if (samples.length === 0 || spawnError || exit) {
      // Nothing usable came (or it already died): stop now so the outcome says why.
      const result = await sampler.stop();
      return finishedSampler(result);
    }
    if (cfg.processIntervalMs > 0) poll();
    return sampler;
  })();
}

function ratesOf(samples: readonly GpuSample[]): Record<string, number> {
  const byUuid = new Map<string, GpuSample[]>();
  for (const s of samples) byUuid.set(s.uuid, [...(byUuid.get(s.uuid) ?? []), s]);
  const rates: Record<string, number> = {};
  for (const [uuid, list] of byUuid) {
    const spanMs = list.at(-1)!.tMs - list[0]!.tMs;
    rates[uuid] = list.length > 1 && spanMs > 0 ? ((list.length - 1) * 1000) / spanMs : 0;
  }
  return rates;
}

function peakOf(samples: readonly GpuSample[], uuid: string, t0Ms: number, t1Ms: number): GpuPeak {
  const inWindow = samples.filter((s) => s.uuid === uuid && s.tMs >= t0Ms && s.tMs <= t1Ms);
  if (inWindow.length === 0) {
    return { status: 'absent', reason: `no sample between ${t0Ms.toFixed(1)} and ${t1Ms.toFixed(1)} ms (window shorter than the interval?)`, sampleCount: 0 };
  }
  const known = inWindow.filter((s) => s.usedBytes !== undefined);
  if (known.length === 0) {
    return { status: 'absent', reason: `memory.used not reported: ${inWindow[0]!.absent.usedBytes ?? 'absent'}`, sampleCount: inWindow.length };
  }
  return { status: 'ok', peakUsedBytes: Math.max(...known.map((s) => s.usedBytes!)), sampleCount: inWindow.length };
}

function peaksOf(samples: readonly GpuSample[], t0Ms: number, t1Ms: number): Record<string, GpuPeak> {
  const out: Record<string, GpuPeak> = {};
  for (const uuid of new Set(samples.map((s) => s.uuid))) out[uuid] = peakOf(samples, uuid, t0Ms, t1Ms);
  return out;
}

/** Per GPU, the peak of device memory in [t0, t1], the idle value before the child started, and their difference. */
export function summariseGpuStage(
  samples: readonly GpuSample[],
  t0Ms: number,
  t1Ms: number,
  idle: Readonly<Record<string, GpuSample>>,
): Record<string, GpuStageSummary> {
  const out: Record<string, GpuStageSummary> = {};
  for (const uuid of new Set([...Object.keys(idle), ...samples.map((s) => s.uuid)])) {
    const summary: GpuStageSummary = { uuid, sampleCount: 0, absent: {} };
    const peak = peakOf(samples, uuid, t0Ms, t1Ms);
    summary.sampleCount = peak.sampleCount;
    if (peak.status === 'ok') summary.peakUsedBytes = peak.peakUsedBytes;
    else summary.absent.peakUsedBytes = peak.reason;
    const before = idle[uuid];
    if (before?.usedBytes !== undefined) summary.idleUsedBytes = before.usedBytes;
    else summary.absent.idleUsedBytes = before ? `idle memory.used not reported: ${before.absent.usedBytes ?? 'absent'}` : 'no idle sample for this GPU';
    if (summary.peakUsedBytes !== undefined && summary.idleUsedBytes !== undefined) {
      summary.deltaBytes = summary.peakUsedBytes - summary.idleUsedBytes;
    } else {
      summary.absent.deltaBytes = 'needs both the peak and the idle value';
    }
    out[uuid] = summary;
  }
  return out;
}

/** Per GPU, the energy drawn in [t0, t1]: trapezoids over `power.draw` samples, linearly interpolated at the window's edges. */
export function energyJoules(samples: readonly GpuSample[], t0Ms: number, t1Ms: number): Record<string, GpuEnergy> {
  const out: Record<string, GpuEnergy> = {};
  for (const uuid of new Set(samples.map((s) => s.uuid))) {
    const withPower = samples.filter((s) => s.uuid === uuid && s.powerW !== undefined).sort((a, b) => a.tMs - b.tMs);
    if (withPower.length < 2) {
      const reason = samples.find((s) => s.uuid === uuid && s.powerW === undefined)?.absent.powerW;
      out[uuid] = { status: 'absent', reason: withPower.length === 0 ? `power.draw not reported: ${reason ?? 'absent'}` : 'fewer than two power samples' };
      continue;
    }
    let joules = 0;
    let coveredMs = 0;
    let used = 0;
    for (let i = 1; i < withPower.length; i++) {
      const a = withPower[i - 1]!;
      const b = withPower[i]!;
      const from = Math.max(a.tMs, t0Ms);
      const to = Math.min(b.tMs, t1Ms);
      if (to <= from || b.tMs === a.tMs) continue;
      const at = (t: number) => a.powerW! + ((b.powerW! - a.powerW!) * (t - a.tMs)) / (b.tMs - a.tMs);
      joules += ((at(from) + at(to)) / 2) * ((to - from) / 1000);
      coveredMs += to - from;
      used++;
    }
    out[uuid] = used === 0 ? { status: 'absent', reason: 'no two power samples span any part of the window' } : { status: 'ok', joules, coveredMs, sampleCount: withPower.filter((s) => s.tMs >= t0Ms && s.tMs <= t1Ms).length };
  }
  return out;
}

/** Per GPU, the largest device memory one process held in the per-process samples (absent where never reported). */
export function processPeakBytes(samples: readonly GpuProcessSample[], pid: number): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const s of samples) {
    if (s.pid === pid && s.usedBytes !== undefined) peaks[s.uuid] = Math.max(peaks[s.uuid] ?? 0, s.usedBytes);
  }
  return peaks;
}
