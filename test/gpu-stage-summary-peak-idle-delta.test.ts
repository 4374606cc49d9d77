import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summariseGpuStage } from '../harness/gpu-memory-sampler.ts';
import { parseGpuSampleOutput } from '../harness/nvidia-smi-parser.ts';
import type { GpuSample } from '../harness/types.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
const H100 = 'GPU-00000000-0000-0000-0000-000000000000';

/** The recorded rows of a fixture, placed at the given times. */
function at(file: string, times: number[]): GpuSample[] {
  const readings = parseGpuSampleOutput(readFileSync(nvidiaSmiFixture(file), 'utf8')).flatMap((p) => (p.status === 'ok' ? [p.reading] : []));
  return times.map((tMs, i) => ({ ...readings[i % readings.length]!, tMs }));
}

describe('summariseGpuStage', () => {
  // idle row, load row, idle row
  const samples = at('query-gpu-h100-80gb-hbm3.csv', [0, 100, 200]);
  const idle = { [H100]: samples[0]! };

  it('takes the peak inside the stage and subtracts the idle value', () => {
    expect(summariseGpuStage(samples, 50, 250, idle)[H100]).toEqual({
      uuid: H100,
      sampleCount: 2,
      peakUsedBytes: 19818 * MIB,
      idleUsedBytes: 0,
      deltaBytes: 19818 * MIB,
      absent: {},
    });
  });

  it('says so when a stage is shorter than the interval, rather than borrowing a neighbour', () => {
    const s = summariseGpuStage(samples, 120, 180, idle)[H100]!;
    expect(s.sampleCount).toBe(0);
    expect(s.peakUsedBytes).toBeUndefined();
    expect(s.absent.peakUsedBytes).toMatch(/no sample between 120.0 and 180.0 ms/);
    expect(s.idleUsedBytes).toBe(0);
  });

  it('keeps GPUs apart by UUID and reports a GPU without an idle sample', () => {
    const two = at('query-gpu-dual-rtx-2070.csv', [10, 10]);
    const out = summariseGpuStage(two, 0, 20, { 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab': two[0]! });
    expect(Object.keys(out).sort()).toEqual(['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd']);
    expect(out['GPU-12345678-aaaa-bbbb-cccc-0123456789ab']!.deltaBytes).toBe(0);
    expect(out['GPU-12345678-aaaa-bbbb-cccc-0123456789cd']!.absent.idleUsedBytes).toBe('no idle sample for this GPU');
  });
});
