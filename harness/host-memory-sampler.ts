import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { HarnessError } from './harness-error.ts';
import type {
  HostMemoryOutcome,
  HostMemorySample,
  HostMemorySampler,
  HostMemorySamplerOptions,
  OwnMemory,
  PeakRssReset,
  ProcStatusMemory,
} from './types.ts';

const FIELDS = { VmRSS: 'rssBytes', VmHWM: 'hwmBytes', VmPeak: 'peakBytes' } as const;

/** Reads VmRSS, VmHWM and VmPeak (kB in the file) out of a `/proc/<pid>/status` text, in bytes. */
export function readProcStatusMemory(text: string): ProcStatusMemory {
  const memory: ProcStatusMemory = { absent: {} };
  for (const [key, name] of Object.entries(FIELDS)) {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB\\s*$`, 'm').exec(text);
    if (m) memory[name] = Number(m[1]) * 1024;
    // Kernel threads and zombies have no Vm* lines at all.
    else memory.absent[name] = `no ${key} line in the status file`;
  }
  return memory;
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Samples VmRSS of `pid` from the parent every `intervalMs` (default 10) with async reads.
 * Each tick is aimed at start + k·interval, so slow reads do not make the interval drift;
 * ticks a read overran are skipped and counted rather than fired in a burst.
 */
export function startHostMemorySampler(opts: HostMemorySamplerOptions): HostMemorySampler {
  const intervalMs = opts.intervalMs ?? 10;
  if (!(intervalMs > 0)) throw new HarnessError('invalid-interval', `host sampling interval must be > 0 ms, got ${intervalMs}`);
  // A /proc read takes tens of microseconds; reading synchronously keeps libuv's thread pool (and its queueing
  // delay under load) out of the sampling interval.
  const readStatus = opts.readStatus ?? (async (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8'));
  const now = opts.now ?? (() => performance.now());
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));

  const samples: HostMemorySample[] = [];
  const startMs = now();
  let tick = 0;
  let missedTicks = 0;
  let timer: unknown;
  let stopped = false;
  let ended: 'stopped' | 'process-exited' | undefined;
  let failure: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const sampleOnce = async (): Promise<void> => {
    try {
      const text = await readStatus(opts.pid);
      const tMs = now();
      const { rssBytes, absent } = readProcStatusMemory(text);
      if (rssBytes === undefined) {
        // A zombie keeps its status file but loses its memory lines: the process is over.
        ended = 'process-exited';
        if (samples.length === 0) failure = absent.rssBytes;
        return;
      }
      samples.push({ tMs, rssBytes });
    } catch (err) {
      ended = 'process-exited';
      if (samples.length === 0 || !isGone(err)) failure = `cannot read /proc/${opts.pid}/status: ${(err as Error).message}`;
    }
  };

  const loop = (): void => {
    inFlight = sampleOnce().then(() => {
      if (stopped || ended) return;
      tick++;
      let target = startMs + tick * intervalMs;
      const t = now();
      if (t > target) {
        const behind = Math.floor((t - target) / intervalMs);
        missedTicks += behind;
        tick += behind;
        target = startMs + tick * intervalMs;
      }
      timer = setTimer(loop, Math.max(0, target - t));
    });
  };
  loop();

  let result: Promise<HostMemoryOutcome> | undefined;
  return {
    samples: () => samples,
    stop: () =>
      (result ??= (async () => {
        stopped = true;
        if (timer !== undefined) clearTimer(timer);
        await inFlight;
        if (failure !== undefined && samples.length === 0) {
          return { status: 'unavailable', pid: opts.pid, reason: failure, samples: [] };
        }
        const spanMs = samples.length > 1 ? samples.at(-1)!.tMs - samples[0]!.tMs : 0;
        return {
          status: 'ok',
          pid: opts.pid,
          intervalMs,
          samples: [...samples],
          achievedSamplesPerSecond: spanMs > 0 ? ((samples.length - 1) * 1000) / spanMs : 0,
          missedTicks,
          ended: ended ?? 'stopped',
        };
      })()),
  };
}

/**
 * In the child: resets VmHWM to the current RSS by writing "5" to /proc/self/clear_refs (Linux ≥ 4.0),
 * so the next VmHWM read is the peak since this call. Synchronous so no await sits between the reset and the stage.
 */
export function resetPeakRss(clearRefsPath = '/proc/self/clear_refs'): PeakRssReset {
  try {
    writeFileSync(clearRefsPath, '5');
    return { status: 'reset' };
  } catch (err) {
    return { status: 'not-reset', reason: `cannot write ${clearRefsPath}: ${(err as Error).message}`, peakSince: 'process-start' };
  }
}

/** In the child: its own VmRSS and VmHWM in bytes, read synchronously from /proc/self/status. */
export function readOwnMemory(statusPath = '/proc/self/status'): OwnMemory {
  let text: string;
  try {
    text = readFileSync(statusPath, 'utf8');
  } catch (err) {
    return { status: 'unavailable', reason: `cannot read ${statusPath}: ${(err as Error).message}` };
  }
  const m = readProcStatusMemory(text);
  if (m.rssBytes === undefined || m.hwmBytes === undefined) {
    return { status: 'unavailable', reason: m.absent.rssBytes ?? m.absent.hwmBytes ?? 'unknown' };
  }
  return { status: 'ok', rssBytes: m.rssBytes, hwmBytes: m.hwmBytes };
}
