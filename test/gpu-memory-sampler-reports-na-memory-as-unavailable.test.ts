import { afterEach, describe, expect, it } from 'vitest';
import { startGpuSampler, summariseGpuStage } from '../harness/gpu-memory-sampler.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

// The GB10 recordings lack some of the queried fields; these stand in for them:
// a GB10's UUID as reported in leptonai/gpud#1170, memory.total [N/A] as NVIDIA documents for
// DGX Spark, and 3.74 W, the power a DGX Spark setup guide shows next to its [N/A] memory fields.
const GB10 = 'GPU-2dee1e25-b3b5-007e-2b55-79f2d0f2ebe5';
const FILL = { uuid: GB10, index: '0', 'memory.total': '[N/A]', 'power.draw': '3.74' };

describe('a GPU that prints only [N/A] for memory.used (unified memory)', () => {
  it('reports unavailable with the reason instead of a 0-byte peak', async () => {
    fake = await installFakeNvidiaSmi({
      samples: nvidiaSmiFixture('query-gpu-gb10-unified-memory-with-header.csv'),
      metadata: nvidiaSmiFixture('query-gpu-meta-gb10-with-header.csv'),
      fill: FILL,
    });
    const sampler = await startGpuSampler({ intervalMs: 20, executable: fake.executable, processIntervalMs: 0 });
    const idle = sampler.idle();
    expect(idle[GB10]?.usedBytes).toBeUndefined();
    await new Promise((r) => setTimeout(r, 150));
    expect(sampler.peakBetween(0, Number.MAX_SAFE_INTEGER)[GB10]).toMatchObject({ status: 'absent', reason: 'memory.used not reported: nvidia-smi printed [N/A]' });
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'unavailable', kind: 'memory-not-reported' });
    if (outcome.status !== 'unavailable') return;
    expect(outcome.samples.length).toBeGreaterThan(2);
    expect(outcome.gpus[0]).toMatchObject({ name: 'NVIDIA GB10', absent: { memoryTotalBytes: 'nvidia-smi printed [N/A]' } });
    const stage = summariseGpuStage(outcome.samples, 0, Number.MAX_SAFE_INTEGER, idle)[GB10]!;
    expect(stage.peakUsedBytes).toBeUndefined();
    expect(stage.deltaBytes).toBeUndefined();
    expect(stage.absent.deltaBytes).toBe('needs both the peak and the idle value');
  });
});
