import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startGpuSampler } from '../harness/gpu-memory-sampler.ts';
import { collectSystemInfo } from '../harness/system-info.ts';
import { commandLine, waitFor } from './fixtures/processes-with-marker.ts';
import { installStubbornNvidiaSmi } from './fixtures/stubborn-nvidia-smi.ts';
import { readdirSync } from 'node:fs';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Live processes running the fake (the script itself; its `sleep` children die with its process group). */
const fakesRunning = (path: string) => readdirSync('/proc').filter((p) => /^\d+$/.test(p) && commandLine(Number(p)).includes(path));

/** Fails the test instead of hanging it when the call under test never returns. */
const within = <T>(ms: number, promise: Promise<T>) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);

describe('an nvidia-smi that hangs and ignores SIGTERM', () => {
  it('is killed at the system-information deadline and recorded as absent, timed out', async () => {
    const fake = await installStubbornNvidiaSmi('hang');
    dir = fake.dir;
    const info = await within(10_000, collectSystemInfo({ nvidiaSmi: fake.executable, commandTimeoutMs: 500 }));
    expect(info.gpus.status).toBe('absent');
    expect(info.gpus.status === 'absent' && info.gpus.reason).toMatch(/did not finish within 500 ms and was killed/);
    await waitFor('the fake to be gone', () => fakesRunning(fake.executable).length === 0, 2000).catch(() => undefined);
    expect(fakesRunning(fake.executable)).toEqual([]);
  });

  it('is killed at the GPU sampler\'s start-up deadline, which says it timed out', async () => {
    const fake = await installStubbornNvidiaSmi('hang');
    dir = fake.dir;
    const sampler = await within(10_000, startGpuSampler({ intervalMs: 10, executable: fake.executable, startTimeoutMs: 500 }));
    const outcome = await sampler.stop();
    expect(outcome.status).toBe('unavailable');
    expect(outcome.status === 'unavailable' && outcome.reason).toMatch(/did not finish within 500 ms/);
    await waitFor('the fake to be gone', () => fakesRunning(fake.executable).length === 0, 2000).catch(() => undefined);
    expect(fakesRunning(fake.executable)).toEqual([]);
  });
});
