import { describe, expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

const ALLOCATION_MIB = 256;

describe('per-stage peak memory accounting', () => {
  it(`sees a known ${ALLOCATION_MIB} MiB held through denoise within 10%, in VmHWM and in the parent's sampled timeline`, async () => {
    const plain = await runTinySuite({ variants: ['baseline'] });
    const loaded = await runTinySuite({ variants: ['baseline'] }, { LIGHTBENCH_WORKER_FAULT: `allocate:baseline:${ALLOCATION_MIB}` });
    const a = plain.run.variants[0] as VariantOk;
    const b = loaded.run.variants[0] as VariantOk;
    const extraMiB = (b.hostMemory.denoise!.deltaBytes - a.hostMemory.denoise!.deltaBytes) / 2 ** 20;
    console.log(`denoise delta: ${(a.hostMemory.denoise!.deltaBytes / 2 ** 20).toFixed(1)} MiB plain, ${(b.hostMemory.denoise!.deltaBytes / 2 ** 20).toFixed(1)} MiB with ${ALLOCATION_MIB} MiB held: +${extraMiB.toFixed(1)} MiB`);
    expect(b.hostMemory.denoise!.peakSource).toBe('vmhwm');
    expect(Math.abs(extraMiB - ALLOCATION_MIB) / ALLOCATION_MIB).toBeLessThan(0.1);
    // Encode ran before the allocation: its peak must not contain it.
    expect(Math.abs(b.hostMemory.encode!.peakRssBytes - a.hostMemory.encode!.peakRssBytes) / 2 ** 20).toBeLessThan(ALLOCATION_MIB / 2);
    const sampledPeak = Math.max(...b.timeline.host.map((s) => s.rssBytes));
    expect(sampledPeak / b.hostMemory.total!.peakRssBytes).toBeGreaterThan(0.9);
    expect(sampledPeak).toBeLessThanOrEqual(b.hostMemory.total!.peakRssBytes * 1.02);
  });
});
