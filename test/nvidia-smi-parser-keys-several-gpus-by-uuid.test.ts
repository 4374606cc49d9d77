import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuMetadataOutput, parseGpuSampleOutput } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const read = (name: string) => readFileSync(nvidiaSmiFixture(name), 'utf8');

describe('two GPUs in one tick', () => {
  it('gives one reading per line, each keyed by its own UUID', () => {
    const readings = parseGpuSampleOutput(read('query-gpu-dual-rtx-2070.csv')).flatMap((p) => (p.status === 'ok' ? [p.reading] : []));
    expect(readings.map((r) => [r.uuid, r.powerW])).toEqual([
      ['GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 9.23],
      ['GPU-12345678-aaaa-bbbb-cccc-0123456789cd', 11.82],
    ]);
    expect(new Set(readings.map((r) => r.smiTimestamp)).size).toBe(1);
  });

  it('matches the metadata of both GPUs by UUID, not by position', () => {
    const gpus = parseGpuMetadataOutput(read('query-gpu-meta-dual-rtx-2070.csv')).flatMap((p) => (p.status === 'ok' ? [p.gpu] : []));
    const byUuid = new Map(gpus.map((g) => [g.uuid, g]));
    expect(byUuid.get('GPU-12345678-aaaa-bbbb-cccc-0123456789cd')?.index).toBe(1);
    expect(byUuid.get('GPU-12345678-aaaa-bbbb-cccc-0123456789ab')?.name).toBe('NVIDIA GeForce RTX 2070');
  });
});
