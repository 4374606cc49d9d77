import { afterEach, describe, expect, it } from 'vitest';
import { startGpuSampler } from '../harness/gpu-memory-sampler.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

describe('nvidia-smi dying in the middle of a run', () => {
  it('keeps the samples taken before, with the exit code and stderr as the reason', async () => {
    fake = await installFakeNvidiaSmi({
      samples: nvidiaSmiFixture('query-gpu-dual-rtx-2070.csv'),
      metadata: nvidiaSmiFixture('query-gpu-meta-dual-rtx-2070.csv'),
      dieAfterTicks: 4,
    });
    const sampler = await startGpuSampler({ intervalMs: 20, executable: fake.executable, processIntervalMs: 0 });
    expect(Object.keys(sampler.idle()).sort()).toEqual(['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd']);
    await new Promise((r) => setTimeout(r, 400));
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'unavailable', kind: 'exited', exitCode: 15 });
    if (outcome.status !== 'unavailable') return;
    // Four ticks of two GPUs each.
    expect(outcome.samples).toHaveLength(8);
    expect(outcome.reason).toContain('Unable to determine the device handle for GPU0000:07:00.0: Unknown Error');
    expect(outcome.reason).toContain('after 8 samples');
    expect(outcome.stderr).toContain('Unknown Error');
  });
});
