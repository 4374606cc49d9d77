import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuProcessOutput } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
const read = (name: string) => readFileSync(nvidiaSmiFixture(name), 'utf8');

describe('per-process device memory', () => {
  it('reads pid and used memory in bytes for each compute process', () => {
    const rows = parseGpuProcessOutput(read('query-compute-apps-h100-80gb-hbm3.csv')).flatMap((p) => (p.status === 'ok' ? [p.reading] : []));
    expect(rows.map((r) => [r.pid, r.usedBytes])).toEqual([
      [11327, 2566 * MIB],
      [11328, 1542 * MIB],
      [11345, 15690 * MIB],
    ]);
  });

  it('gives no rows when no compute process runs', () => {
    expect(parseGpuProcessOutput(read('query-compute-apps-h100-idle-empty.csv'))).toEqual([]);
  });

  it('keeps WDDM processes with their memory absent, not 0', () => {
    const rows = parseGpuProcessOutput(read('query-compute-apps-windows-wddm.csv'));
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.status).toBe('ok');
      if (r.status !== 'ok') continue;
      expect(r.reading.usedBytes).toBeUndefined();
      expect(r.reading.absent.usedBytes).toBe('nvidia-smi printed [N/A]');
    }
  });
});
