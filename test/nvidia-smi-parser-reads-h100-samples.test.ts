import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuSampleOutput, parseNvidiaSmiTimestamp } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
const read = (name: string) => readFileSync(nvidiaSmiFixture(name), 'utf8');

describe('nvidia-smi sample lines from an H100 and an H200', () => {
  it('turns MiB into bytes and keeps power, utilisation and the printed timestamp', () => {
    const [idle, load] = parseGpuSampleOutput(read('query-gpu-h100-80gb-hbm3.csv'));
    expect(idle?.status).toBe('ok');
    expect(load?.status).toBe('ok');
    if (idle?.status !== 'ok' || load?.status !== 'ok') return;
    expect(idle.reading).toEqual({
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      smiTimestamp: '2026/07/14 08:12:38.696',
      smiEpochMs: new Date(2026, 6, 14, 8, 12, 38, 696).getTime(),
      usedBytes: 0,
      totalBytes: 81559 * MIB,
      utilizationPct: 0,
      powerW: 69.85,
      absent: {},
    });
    expect(load.reading.usedBytes).toBe(19818 * MIB);
    expect(load.reading.utilizationPct).toBe(100);
    expect(load.reading.powerW).toBeCloseTo(631.95, 10);
    expect(load.reading.smiEpochMs! - idle.reading.smiEpochMs!).toBe(14_657);
  });

  it('reads the larger H200 total without losing precision', () => {
    const parsed = parseGpuSampleOutput(read('query-gpu-h200.csv'));
    expect(parsed.map((p) => (p.status === 'ok' ? p.reading.totalBytes : p.reason))).toEqual([143771 * MIB, 143771 * MIB]);
    expect(parsed[1]?.status === 'ok' && parsed[1].reading.usedBytes).toBe(32362 * MIB);
  });

  it('rejects timestamps that are not nvidia-smi dates', () => {
    expect(parseNvidiaSmiTimestamp('2026/11/25 21:14:03.123')).toBe(new Date(2026, 10, 25, 21, 14, 3, 123).getTime());
    expect(parseNvidiaSmiTimestamp('2026/13/25 21:14:03.123')).toBeUndefined();
    expect(parseNvidiaSmiTimestamp('Tue Jul 14 09:00:43 2026')).toBeUndefined();
  });
});
