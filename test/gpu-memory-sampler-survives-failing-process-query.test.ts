import { afterEach, describe, expect, it } from 'vitest';
import { startGpuSampler } from '../harness/gpu-memory-sampler.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

describe('a driver whose --query-compute-apps fails', () => {
  it('marks per-process sampling unavailable and keeps the device samples', async () => {
    fake = await installFakeNvidiaSmi({
      samples: nvidiaSmiFixture('query-gpu-h100-mig.csv'),
      metadata: nvidiaSmiFixture('query-gpu-meta-h100-80gb-hbm3.csv'),
      appsExit: 6,
    });
    const sampler = await startGpuSampler({ intervalMs: 20, executable: fake.executable, processIntervalMs: 30 });
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await sampler.stop();
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.processSampling).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/exit code 6.*Failed to query compute applications/) });
    expect(outcome.processSamples).toEqual([]);
    // The poll stopped after its first failure.
    const appCalls = (await fake.calls()).filter((a) => a.some((x) => x.startsWith('--query-compute-apps')));
    expect(appCalls).toHaveLength(1);
    expect(outcome.samples.length).toBeGreaterThan(3);
  });
});
