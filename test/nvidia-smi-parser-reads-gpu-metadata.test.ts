import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuMetadataLine, parseGpuMetadataOutput } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

describe('GPU metadata', () => {
  it('reads index, uuid, name, total memory in bytes and driver', () => {
    const [h100] = parseGpuMetadataOutput(readFileSync(nvidiaSmiFixture('query-gpu-meta-h100-80gb-hbm3.csv'), 'utf8'));
    expect(h100).toEqual({
      status: 'ok',
      gpu: {
        index: 0,
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        name: 'NVIDIA H100 80GB HBM3',
        memoryTotalBytes: 81559 * 1024 * 1024,
        driver: '590.48.01',
        absent: {},
      },
    });
  });

  it('keeps a unified-memory GPU whose total is [N/A], and a name containing a comma', () => {
    const parsed = parseGpuMetadataLine('0, GPU-2dee1e25-b3b5-007e-2b55-79f2d0f2ebe5, NVIDIA GB10, [N/A], 580.126.09');
    expect(parsed.status === 'ok' && parsed.gpu.absent.memoryTotalBytes).toBe('nvidia-smi printed [N/A]');
    const comma = parseGpuMetadataLine('1, GPU-12345678-aaaa-bbbb-cccc-0123456789cd, Weird, Name, 8192, 590.44.01');
    expect(comma.status === 'ok' && comma.gpu.name).toBe('Weird, Name');
  });
});
