import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startGpuSampler } from '../harness/gpu-memory-sampler.ts';

describe('no nvidia-smi at all', () => {
  it('resolves to a sampler whose outcome says the executable is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'no-nvidia-smi-'));
    try {
      const sampler = await startGpuSampler({ intervalMs: 10, executable: join(dir, 'nvidia-smi') });
      expect(sampler.idle()).toEqual({});
      expect(sampler.samples()).toEqual([]);
      expect(sampler.peakBetween(0, 1e9)).toEqual({});
      const outcome = await sampler.stop();
      expect(outcome).toMatchObject({ status: 'unavailable', kind: 'missing-executable', samples: [] });
      expect(outcome.status === 'unavailable' && outcome.reason).toMatch(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
