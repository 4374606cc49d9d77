import { describe, expect, it } from 'vitest';
import { siteAblation } from '../reports/site-ablation.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const rowsOf = (run: ReturnType<typeof makeExampleRun>, model = 'animatediff-tiny') => siteAblation(run).models.find((m) => m.model === model)!.rows;

describe('the ablation table marks a best value', () => {
  it('where one variant leads beyond noise', () => {
    const run = makeExampleRun({ repeats: 5 });
    run.variants = run.variants.filter((v) => ['baseline', 'deepcache', 'fme'].includes(v.variant.name));
    const rows = rowsOf(run);
    // DeepCache skips most UNet work: far faster than the baseline and FME, with tight intervals.
    expect(rows.filter((r) => r.best.includes('time')).map((r) => r.variant)).toEqual(['deepcache']);
    expect(rows.filter((r) => r.best.includes('speedup')).map((r) => r.variant)).toEqual(['deepcache']);
    // Only FME reproduces the frames exactly: its infinite PSNR leads.
    expect(rows.filter((r) => r.best.includes('psnr')).map((r) => r.variant)).toEqual(['fme']);
  });

  it('nowhere when the leader is within noise of another variant', () => {
    const run = makeExampleRun({ repeats: 5 });
    // Two variants with the same times and fidelity: neither leads the other.
    for (const v of run.variants) {
      if (v.status !== 'ok' || v.variant.name !== 'lightcache-swap') continue;
      const twin = run.variants.find((o) => o.status === 'ok' && o.model === v.model && o.variant.name === 'deepcache');
      if (twin?.status === 'ok') v.stages.total = { ...twin.stages.total, medianMs: twin.stages.total.medianMs * 1.01 };
    }
    const rows = rowsOf(run);
    expect(rows.filter((r) => r.best.includes('time'))).toEqual([]);
    // deepcache and lightcache-swap have the same SSIM; fme (SSIM 1) leads them by more than the noise.
    expect(rows.filter((r) => r.best.includes('ssim')).map((r) => r.variant)).toEqual(['fme']);
    expect(siteAblation(run).bestRule).toMatch(/beyond noise/);
  });

  it('nowhere when two variants tie on identical frames', () => {
    const run = makeExampleRun({ fidelity: { fme: { psnrDb: Infinity, ssim: 1, maxAbsError: 0 }, deepcache: { psnrDb: Infinity, ssim: 1, maxAbsError: 0 } } });
    expect(rowsOf(run).filter((r) => r.best.includes('psnr'))).toEqual([]);
  });
});
