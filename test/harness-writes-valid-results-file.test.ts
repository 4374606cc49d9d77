import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readResultsFile } from '../harness/results-file.ts';
import type { VariantOk } from '../harness/results-schema.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

describe('the results file the harness writes', () => {
  it('validates on read and carries stats, raw samples, timeline marks, memory, fidelity and previews', async () => {
    const { path, outDir } = await runTinySuite({ variants: ['baseline', 'deepcache'], warmup: 1, repeats: 2, steps: 4 });
    const run = await readResultsFile(path);
    expect(run.suite.session).toMatchObject({ cpuMemArena: false, mallocMmapThreshold: 131072, fuseAttention: true });
    const [baseline, deepcache] = run.variants as [VariantOk, VariantOk];
    for (const v of [baseline, deepcache]) {
      expect(v.status).toBe('ok');
      expect(v.stages.denoise.n).toBe(2);
      expect(v.runs).toHaveLength(2);
      expect(v.firstCall.total).toBeGreaterThan(0);
      expect(v.stages.total.medianMs).toBeGreaterThanOrEqual(v.stages.denoise.medianMs);
      expect(v.hostMemory.total!.peakRssBytes).toBeGreaterThan(50 * 2 ** 20);
      expect(v.timeline.host.length).toBeGreaterThan(5);
      expect(v.timeline.marks.filter((m) => m.kind === 'step')).toHaveLength(4);
      expect(v.timeline.marks.map((m) => m.stage)).toEqual(expect.arrayContaining(['load', 'encode', 'denoise', 'decode', 'total']));
      expect(v.gpuMemory.status).toBe('unavailable');
      expect(v.attention).toMatchObject({ requested: true, form: 'fused', unfusedNodes: 0 });
      for (const p of Object.values(v.previews!)) expect(existsSync(join(outDir, p))).toBe(true);
    }
    expect(baseline.fidelity).toBeUndefined();
    expect(deepcache.fidelity?.identical).toBe(false);
    expect(deepcache.runs[0]!.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'full', 'cached']);
    expect(deepcache.cache).toMatchObject({ location: 'host' });
    expect(deepcache.fidelityNote).toMatch(/numerical deviation/);
  });
});
