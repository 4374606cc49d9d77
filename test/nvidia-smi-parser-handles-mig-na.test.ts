import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuSampleOutput } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
const read = (name: string) => readFileSync(nvidiaSmiFixture(name), 'utf8');

describe('MIG mode, where nvidia-smi prints [N/A] for utilization.gpu', () => {
  it.each([
    ['query-gpu-h100-mig.csv', [59 * MIB, 11125 * MIB]],
    ['query-gpu-a100-sxm4-80gb-mig.csv', [50 * MIB]],
  ])('%s: utilisation is absent with a reason, never 0, and memory is still read', (file, usedBytes) => {
    const parsed = parseGpuSampleOutput(read(file));
    expect(parsed).toHaveLength(usedBytes.length);
    for (const [i, p] of parsed.entries()) {
      expect(p.status).toBe('ok');
      if (p.status !== 'ok') continue;
      expect(p.reading).not.toHaveProperty('utilizationPct');
      expect(p.reading.absent.utilizationPct).toBe('nvidia-smi printed [N/A]');
      expect(p.reading.usedBytes).toBe(usedBytes[i]);
      expect(p.reading.powerW).toBeGreaterThan(0);
    }
  });
});
