import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../harness/results-file.ts';
import { siteOverview } from '../reports/site-overview.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

describe('the overview of a run on a user model', () => {
  it('names the manifest each model came from and the conditioning image', () => {
    const run = makeExampleRun();
    const model = run.suite.models[0]!;
    run.suite.modelManifests = { [model]: '/models/svd/manifest.yaml' };
    run.suite.image = '/images/harbour.png';
    const checked = parseRunResult(JSON.parse(JSON.stringify(run)), 'example.json');
    const overview = siteOverview(checked, () => null);
    expect(overview.modelSources).toEqual([{ model, manifest: '/models/svd/manifest.yaml' }]);
    expect(overview.image).toBe('/images/harbour.png');
  });

  it('names none for built-in presets', () => {
    const overview = siteOverview(makeExampleRun(), () => null);
    expect(overview.modelSources).toEqual([]);
    expect(overview.image).toBeNull();
  });
});
