import { afterEach, describe, expect, it } from 'vitest';
import { startGpuSampler } from '../harness/gpu-memory-sampler.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

describe('an nvidia-smi loop that never prints', () => {
  it('gives up after startTimeoutMs and reports unavailable instead of hanging', async () => {
    fake = await installFakeNvidiaSmi({ metadata: nvidiaSmiFixture('query-gpu-meta-h100-80gb-hbm3.csv'), silent: true });
    const started = performance.now();
    const sampler = await startGpuSampler({ intervalMs: 10, executable: fake.executable, startTimeoutMs: 700 });
    const waitedMs = performance.now() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(650);
    expect(waitedMs).toBeLessThan(5000);
    expect(sampler.idle()).toEqual({});
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'unavailable', kind: 'no-output', samples: [] });
    expect(outcome.status === 'unavailable' && outcome.reason).toMatch(/no sample within 700 ms/);
  });
});
