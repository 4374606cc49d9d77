import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandArguments } from '../harness/cli-arguments.ts';
import { RUN_OPTIONS, overridesFromOptions } from '../harness/command-run.ts';
import { loadUserModels, parseSuite, planSuite } from '../harness/suite-config.ts';
import type { SuiteFile } from '../harness/suite-config.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// tokenChunks (suite field, --token-chunks flag) slices a diffusion transformer's token axis: from 2 up to the
// model's image tokens (wan-tiny: 3 latent frames of 2×2 patches, 12 tokens), recorded in the variant spec in
// place of the UNet's chunk counts, and refused by name on a UNet.
const wan = join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json');
const fromFlags = (...argv: string[]) => overridesFromOptions(parseCommandArguments('run', argv, RUN_OPTIONS).options);

async function plan(file: SuiteFile, overrides: SuiteFile = {}) {
  return planSuite(file, overrides, await loadUserModels(file, overrides));
}

describe('tokenChunks', () => {
  it('defaults to 4 on a transformer and is recorded instead of the chunk counts', async () => {
    const planned = await plan({ models: [wan], variants: ['baseline', 'fme', 'lightcache-chunk'] });
    const specs = Object.fromEntries(planned.suite.variants.map((v) => [v.name, v]));
    expect(specs.fme).toMatchObject({ kind: 'fme', tokenChunks: 4 });
    expect(specs['lightcache-chunk']).toMatchObject({ kind: 'lightcache', chunk: true, tokenChunks: 4 });
    expect(specs.fme!.chunks).toBeUndefined();
    expect(specs.baseline!.tokenChunks).toBeUndefined();
  });

  it('takes the flag over the suite, and a variant entry over both', async () => {
    const file = { models: [wan], tokenChunks: 6, variants: ['fme' as const, { name: 'lightcache-chunk' as const, tokenChunks: 2 }] };
    const planned = await plan(file, fromFlags('--token-chunks', '12'));
    expect(planned.pairs.map((p) => [p.variant.name, p.variant.tokenChunks])).toEqual([
      ['fme', 12],
      ['lightcache-chunk', 2],
    ]);
  });

  it('refuses more slices than the model has tokens, naming the accepted range', async () => {
    await expect(plan({ models: [wan], variants: ['fme'] }, fromFlags('--token-chunks', '13'))).rejects.toThrow(
      /tokenChunks 13: model wan-tiny has 12 image tokens per transformer call; accepted: an integer from 2 to 12/,
    );
  });

  it('refuses fewer than 2 on the command line and in a suite file', () => {
    expect(() => fromFlags('--token-chunks', '1')).toThrow(/--token-chunks "1" is not accepted; expected an integer from 2 to/);
    expect(() => parseSuite({ tokenChunks: 1 }, 'suite.yaml')).toThrow(/tokenChunks: /);
  });

  it('is refused on a UNet, which chunks by batch×frames and spatial counts', async () => {
    await expect(plan({ models: ['tiny'], variants: ['fme'], tokenChunks: 4 })).rejects.toThrow(/tokenChunks 4: model tiny is a UNet; token chunking applies to diffusion transformers/);
  });
});
