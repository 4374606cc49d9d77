import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { energyJoules } from '../harness/gpu-memory-sampler.ts';
import { parseGpuSampleLine, parseGpuSampleOutput } from '../harness/nvidia-smi-parser.ts';
import type { GpuSample } from '../harness/types.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const H100 = 'GPU-00000000-0000-0000-0000-000000000000';
const read = (name: string) => readFileSync(nvidiaSmiFixture(name), 'utf8');

function h100At(times: number[]): GpuSample[] {
  const readings = parseGpuSampleOutput(read('query-gpu-h100-80gb-hbm3.csv')).flatMap((p) => (p.status === 'ok' ? [p.reading] : []));
  return times.map((tMs, i) => ({ ...readings[i % 2]!, tMs }));
}

describe('energyJoules', () => {
  // 69.85 W at 0 ms, 631.95 W at 1000 ms
  const samples = h100At([0, 1000]);

  it('integrates power.draw with the trapezoid rule', () => {
    expect(energyJoules(samples, 0, 1000)[H100]).toEqual({ status: 'ok', joules: expect.closeTo(350.9, 9), coveredMs: 1000, sampleCount: 2 });
  });

  it('interpolates at window edges inside a sampling interval', () => {
    const e = energyJoules(samples, 250, 750)[H100]!;
    // p(250) = 210.375 W, p(750) = 491.425 W over 0.5 s
    expect(e).toMatchObject({ status: 'ok', coveredMs: 500 });
    expect(e.status === 'ok' && e.joules).toBeCloseTo(175.45, 9);
  });

  it('covers only the part of the window that samples span', () => {
    const e = energyJoules(samples, -500, 5000)[H100]!;
    expect(e).toMatchObject({ status: 'ok', coveredMs: 1000 });
  });

  it('is absent, with the reason, when the GPU never reports power', () => {
    const fields = ['index', 'uuid', 'name', 'temperature.gpu', 'utilization.gpu', 'memory.used', 'memory.total', 'power.draw', 'clocks.current.graphics', 'clocks.current.memory'];
    const parsed = parseGpuSampleLine(read('query-gpu-geforce-930m-with-units.csv').trim(), fields);
    if (parsed.status !== 'ok') throw new Error(parsed.reason);
    const noPower = [0, 100, 200].map((tMs) => ({ ...parsed.reading, tMs }));
    expect(energyJoules(noPower, 0, 200)[parsed.reading.uuid]).toEqual({ status: 'absent', reason: 'power.draw not reported: nvidia-smi printed [Not Supported]' });
  });
});
