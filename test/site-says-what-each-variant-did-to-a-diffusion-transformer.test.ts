import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../harness/results-file.ts';
import { siteAblation } from '../reports/site-ablation.ts';
import { siteDetails } from '../reports/site-detail.ts';
import { siteOverview } from '../reports/site-overview.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const previews = { previewsOf: () => null };

function runWithArchitectures() {
  const run = makeExampleRun();
  const [dit, unet] = run.suite.models as [string, string];
  run.suite.modelArchitectures = {
    [dit]: { family: 'dit', blocks: 6, description: 'Wan-topology transformer' },
    [unet]: { family: 'unet', description: 'AnimateDiff-shaped UNet' },
  };
  return { run: parseRunResult(JSON.parse(JSON.stringify(run)), 'example.json'), dit, unet };
}

describe('report pages on a diffusion transformer', () => {
  it('name the family and say deepcache is a block cache over the blocks its branch leaves', () => {
    const { run, dit } = runWithArchitectures();
    const model = siteOverview(run, () => null).models.find((m) => m.model === dit)!;
    expect(model.architecture).toMatchObject({ family: 'diffusion transformer', blocks: 6 });
    // The example's deepcache has interval 3 and branch 1: blocks 1–4 of 6 are cached.
    const deepcache = model.architecture!.variants.find((v) => v.variant === 'deepcache')!.meaning;
    expect(deepcache).toContain('every 3 steps');
    expect(deepcache).toContain('blocks 1–4');
    expect(model.architecture!.variants.find((v) => v.variant === 'fme')!.meaning).toContain('tokens');
    // The baseline changes nothing, so it has no line.
    expect(model.architecture!.variants.some((v) => v.variant === 'baseline')).toBe(false);
  });

  it('speak of U-Net strategies on a U-Net, on the ablation and detail pages too', () => {
    const { run, dit, unet } = runWithArchitectures();
    const ablation = siteAblation(run).models.find((m) => m.model === unet)!;
    expect(ablation.architecture!.family).toBe('U-Net');
    expect(ablation.architecture!.variants.find((v) => v.variant === 'deepcache')!.meaning).toContain('skip branch 1');
    const detail = siteDetails({ run, file: 'example.json' } as never, previews as never, 50).find((d) => d.model === dit && d.variant === 'lightcache-swap')!;
    expect(detail.architecture!.variants.find((v) => v.variant === 'lightcache-swap')!.meaning).toMatch(/block cache.*swap/);
  });

  it('leave the family out for results written before it was recorded', () => {
    const run = makeExampleRun();
    expect(siteAblation(run).models.every((m) => m.architecture === null)).toBe(true);
  });
});
