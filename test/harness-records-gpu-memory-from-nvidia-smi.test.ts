import { afterEach, describe, expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import type { FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

// The whole harness path with a fake nvidia-smi that replays recorded output of a real two-GPU machine.
const fakes: FakeNvidiaSmi[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.cleanup();
});

describe('GPU memory in results', () => {
  it('is recorded per stage and per GPU UUID, with idle value, delta, energy and GPU context', async () => {
    const fake = await installFakeNvidiaSmi({ samples: nvidiaSmiFixture('query-gpu-dual-rtx-2070.csv'), metadata: nvidiaSmiFixture('query-gpu-meta-dual-rtx-2070.csv') });
    fakes.push(fake);
    const { run } = await runTinySuite({ variants: ['baseline'], steps: 4 }, undefined, fake.executable);
    expect(run.context.gpus.map((g) => [g.uuid, g.name, g.memoryTotalBytes, g.driver])).toEqual([
      ['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'NVIDIA GeForce RTX 2070', 8192 * 2 ** 20, '590.44.01'],
      ['GPU-12345678-aaaa-bbbb-cccc-0123456789cd', 'NVIDIA GeForce RTX 2070', 8192 * 2 ** 20, '590.44.01'],
    ]);
    const v = run.variants[0] as VariantOk;
    expect(v.gpuMemory.status).toBe('ok');
    if (v.gpuMemory.status !== 'ok') return;
    expect(v.gpuMemory.perGpu.map((g) => g.uuid).sort()).toEqual(['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd']);
    for (const gpu of v.gpuMemory.perGpu) {
      expect(gpu.name).toBe('NVIDIA GeForce RTX 2070');
      const denoise = gpu.stages.denoise!;
      expect(denoise).toMatchObject({ peakUsedBytes: 2 ** 20, idleUsedBytes: 2 ** 20, deltaBytes: 0 });
      expect(denoise.sampleCount).toBeGreaterThan(0);
    }
    expect(v.timeline.gpu.length).toBeGreaterThan(0);
    // Both GPUs draw 9.23 W + 11.82 W in the recording: energy is power × the stage's duration.
    const seconds = v.runs[0]!.stagesMs.denoise / 1000;
    expect(v.energy?.denoise?.joules).toBeGreaterThan(0.8 * 21.05 * seconds);
    expect(v.energy?.denoise?.joules).toBeLessThan(1.2 * 21.05 * seconds + 1);
  });

  it('is absent with the reason, never zero, when nvidia-smi prints nothing', async () => {
    const fake = await installFakeNvidiaSmi({ samples: nvidiaSmiFixture('query-gpu-dual-rtx-2070.csv'), metadata: nvidiaSmiFixture('query-gpu-meta-dual-rtx-2070.csv'), silent: true });
    fakes.push(fake);
    const { run } = await runTinySuite({ variants: ['baseline'] }, undefined, fake.executable);
    const v = run.variants[0] as VariantOk;
    expect(v.gpuMemory).toEqual({ status: 'unavailable', reason: expect.stringMatching(/GPU memory not sampled: nvidia-smi printed no sample within \d+ ms/) });
  });

  it('is absent with the reason when there is no nvidia-smi', async () => {
    const { run } = await runTinySuite({ variants: ['baseline'] }, undefined, '/nonexistent/nvidia-smi');
    const v = run.variants[0] as VariantOk;
    expect(v.gpuMemory).toEqual({ status: 'unavailable', reason: 'no /nonexistent/nvidia-smi on PATH: no NVIDIA GPU memory to sample' });
  });
});
