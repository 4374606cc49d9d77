import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

it('when nvidia-smi fails, the results keep its exit code and what it printed to stderr', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'failing-nvidia-smi-'));
  const executable = join(dir, 'nvidia-smi');
  // What nvidia-smi prints on a machine whose driver is not loaded (its exit code there is 9).
  await writeFile(executable, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\" >&2\nexit 9\n");
  await chmod(executable, 0o755);
  try {
    const { run } = await runTinySuite({ variants: ['baseline'], steps: 1 }, undefined, executable);
    expect(run.context.gpuInfoNote).toMatch(/exit code 9.*couldn't communicate with the NVIDIA driver/);
    const [baseline] = run.variants;
    expect(baseline?.status).toBe('ok');
    if (baseline?.status !== 'ok') return;
    expect(baseline.gpuMemory).toMatchObject({ status: 'unavailable' });
    expect(baseline.gpuMemory.status === 'unavailable' && baseline.gpuMemory.reason).toMatch(/exit code 9.*couldn't communicate with the NVIDIA driver/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
