import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuSampleLine } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
// The field list this GeForce 930M line was recorded with.
const FIELDS = ['index', 'uuid', 'name', 'temperature.gpu', 'utilization.gpu', 'memory.used', 'memory.total', 'power.draw', 'clocks.current.graphics', 'clocks.current.memory'];

describe('a GeForce that cannot report power', () => {
  const line = readFileSync(nvidiaSmiFixture('query-gpu-geforce-930m-with-units.csv'), 'utf8').trim();

  it('keeps power absent with the reason [Not Supported] and reads values that still carry units', () => {
    const parsed = parseGpuSampleLine(line, FIELDS);
    expect(parsed.status).toBe('ok');
    if (parsed.status !== 'ok') return;
    expect(parsed.reading.powerW).toBeUndefined();
    expect(parsed.reading.absent.powerW).toBe('nvidia-smi printed [Not Supported]');
    expect(parsed.reading.usedBytes).toBe(327 * MIB);
    expect(parsed.reading.totalBytes).toBe(2002 * MIB);
    expect(parsed.reading.utilizationPct).toBe(57);
    expect(parsed.reading.absent.smiTimestamp).toBe('field not in the query');
  });

  it('treats an empty field or a bare N/A as absent too', () => {
    const parsed = parseGpuSampleLine('2026/07/14 08:12:38.696, GPU-00000000-0000-0000-0000-000000000000, , N/A, 0, 69.85');
    expect(parsed.status === 'ok' && parsed.reading.absent).toEqual({
      usedBytes: 'nvidia-smi printed an empty field',
      totalBytes: 'nvidia-smi printed N/A',
    });
  });
});
