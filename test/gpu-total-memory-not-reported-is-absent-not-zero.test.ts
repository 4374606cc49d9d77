import { afterEach, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

// A unified-memory GB10 prints [N/A] for memory.total (and memory.used); see the sampler's [N/A] test for the sources.
const GB10 = 'GPU-2dee1e25-b3b5-007e-2b55-79f2d0f2ebe5';

it('a GPU whose memory.total is [N/A] is recorded without a total and with the reason, never as 0 bytes', async () => {
  fake = await installFakeNvidiaSmi({
    samples: nvidiaSmiFixture('query-gpu-gb10-unified-memory-with-header.csv'),
    metadata: nvidiaSmiFixture('query-gpu-meta-gb10-with-header.csv'),
    fill: { uuid: GB10, index: '0', 'memory.total': '[N/A]', 'power.draw': '3.74' },
  });
  const { path } = await runTinySuite({ variants: ['baseline'], steps: 1 }, undefined, fake.executable);
  const [gpu] = (await readResultsFile(path)).context.gpus;
  expect(gpu).toMatchObject({ name: 'NVIDIA GB10', uuid: GB10, memoryTotalNote: 'nvidia-smi memory.total: nvidia-smi printed [N/A]' });
  expect(gpu).not.toHaveProperty('memoryTotalBytes');
});
