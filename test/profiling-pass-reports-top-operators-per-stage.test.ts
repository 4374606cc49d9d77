import { describe, expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

describe('the profiling pass', () => {
  it('reports the top operators by time and by activation size for each stage, apart from the timed runs', async () => {
    const { run } = await runTinySuite({ variants: ['baseline'], profile: true });
    const v = run.variants[0] as VariantOk;
    expect(v.status).toBe('ok');
    // The timed runs stay the measured ones: one sample per stage, as asked.
    expect(v.stages.denoise.n).toBe(1);
    const profile = v.profile!;
    expect(Object.keys(profile).sort()).toEqual(['decode', 'denoise', 'encode']);
    const denoise = profile.denoise!;
    expect(denoise.byTime.length).toBeGreaterThan(3);
    expect(denoise.byTime.map((e) => e.op)).toEqual(expect.arrayContaining(['MatMul']));
    for (let i = 1; i < denoise.byTime.length; i++) expect(denoise.byTime[i - 1]!.totalUs).toBeGreaterThanOrEqual(denoise.byTime[i]!.totalUs);
    const largest = denoise.bySize[0]!;
    expect(largest.activationBytes + largest.outputBytes).toBeGreaterThan(0);
    expect(largest.shapes).toMatch(/\[\d+(,\d+)*\]/);
    // The decoder's convolutions dominate decode.
    expect(profile.decode!.byTime.map((e) => e.op)).toEqual(expect.arrayContaining(['Conv']));
  });
});
