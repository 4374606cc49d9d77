import { afterEach, describe, expect, it } from 'vitest';
import { energyJoules, startGpuSampler, summariseGpuStage } from '../harness/gpu-memory-sampler.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const MIB = 1024 * 1024;
const H100 = 'GPU-00000000-0000-0000-0000-000000000000';
let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

describe('GPU sampler against a fake nvidia-smi replaying an H100 capture', () => {
  it('keeps one long-lived -lms loop, an idle sample, per-process polls and a peak per UUID', async () => {
    fake = await installFakeNvidiaSmi({
      samples: nvidiaSmiFixture('query-gpu-h100-80gb-hbm3.csv'),
      metadata: nvidiaSmiFixture('query-gpu-meta-h100-80gb-hbm3.csv'),
      apps: nvidiaSmiFixture('query-compute-apps-h100-80gb-hbm3.csv'),
    });
    const sampler = await startGpuSampler({ intervalMs: 20, executable: fake.executable, processIntervalMs: 60 });
    const idle = sampler.idle();
    expect(Object.keys(idle)).toEqual([H100]);
    // The capture's first row is the idle state.
    expect(idle[H100]!.usedBytes).toBe(0);

    await new Promise((r) => setTimeout(r, 500));
    const outcome = await sampler.stop();
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;

    expect(outcome.gpus.map((g) => [g.uuid, g.name])).toEqual([[H100, 'NVIDIA H100 80GB HBM3']]);
    const times = outcome.samples.map((s) => s.tMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(outcome.samples.length).toBeGreaterThanOrEqual(10);
    // 20 ms asked: 50/s, with room for a loaded two-core machine.
    expect(outcome.achievedSamplesPerSecond[H100]).toBeGreaterThan(20);
    expect(outcome.achievedSamplesPerSecond[H100]).toBeLessThan(60);

    const loops = (await fake.calls()).filter((a) => a.some((x) => x.startsWith('--query-gpu=timestamp')));
    expect(loops).toHaveLength(1);
    expect(loops[0]).toEqual(expect.arrayContaining(['-lms', '20', '--format=csv,noheader,nounits']));

    expect(outcome.processSampling).toMatchObject({ status: 'ok' });
    expect(outcome.processSampling.status === 'ok' && outcome.processSampling.polls).toBeGreaterThanOrEqual(2);
    expect(new Set(outcome.processSamples.map((p) => p.pid))).toEqual(new Set([11327, 11328, 11345]));

    const t0 = times[0]!;
    const t1 = times.at(-1)!;
    expect(sampler.peakBetween(t0, t1)[H100]).toEqual({ status: 'ok', peakUsedBytes: 19818 * MIB, sampleCount: outcome.samples.length });
    const stage = summariseGpuStage(outcome.samples, t0, t1, idle)[H100]!;
    expect([stage.peakUsedBytes, stage.idleUsedBytes, stage.deltaBytes]).toEqual([19818 * MIB, 0, 19818 * MIB]);

    // Idle and load rows alternate, so the mean power over whole pairs is their midpoint.
    const energy = energyJoules(outcome.samples, t0, t1)[H100]!;
    expect(energy.status).toBe('ok');
    if (energy.status === 'ok') expect((energy.joules * 1000) / energy.coveredMs).toBeCloseTo((69.85 + 631.95) / 2, 6);
  });
});
