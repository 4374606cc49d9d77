import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processPeakBytes } from '../harness/gpu-memory-sampler.ts';
import { parseGpuProcessOutput } from '../harness/nvidia-smi-parser.ts';
import type { GpuProcessSample } from '../harness/types.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

// Two polls of a recorded H100 --query-compute-apps output: the measured child's allocation grows between them.
function polls(): GpuProcessSample[] {
  const readings = parseGpuProcessOutput(readFileSync(nvidiaSmiFixture('query-compute-apps-h100-80gb-hbm3.csv'), 'utf8'))
    .filter((p) => p.status === 'ok')
    .map((p) => p.reading);
  const grown = readings.map((r) => (r.pid === 11345 ? { ...r, usedBytes: r.usedBytes! + 2 ** 30 } : r));
  return [...readings.map((r) => ({ ...r, tMs: 0 })), ...grown.map((r) => ({ ...r, tMs: 500 }))];
}

describe('the GPU memory of the measured child', () => {
  it('is the largest per-process value reported for its pid, per GPU', () => {
    const peaks = processPeakBytes(polls(), 11345);
    expect(peaks).toEqual({ 'GPU-00000000-0000-0000-0000-000000000000': 15690 * 2 ** 20 + 2 ** 30 });
  });

  it('is absent (not zero) for a process the driver never listed', () => {
    expect(processPeakBytes(polls(), 424242)).toEqual({});
  });
});
