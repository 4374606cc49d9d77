import { describe, expect, it } from 'vitest';
import { loadUserModels, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';

describe('a planned suite', () => {
  it('records a built-in preset as a U-Net', () => {
    const { suite } = planSuite({ models: ['tiny'], variants: ['baseline'] });
    expect(suite.modelArchitectures?.tiny?.family).toBe('unet');
  });

  it('records an exported Wan transformer as a diffusion transformer with its block count', async () => {
    const manifest = 'test/fixtures/user-models/wan-tiny/manifest.json';
    const file: SuiteFile = { models: [manifest], variants: ['baseline', 'deepcache'] };
    const { suite } = planSuite(file, {}, await loadUserModels(file));
    const [name] = suite.models;
    expect(suite.modelArchitectures?.[name!]).toMatchObject({ family: 'dit', blocks: 4 });
  });
});
