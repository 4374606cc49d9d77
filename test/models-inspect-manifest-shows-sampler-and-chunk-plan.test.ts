import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../harness/command-models.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('models inspect MANIFEST', () => {
  it.each([
    ['svd-tiny', /euler \(v_prediction, Karras sigmas 0\.002–700, continuous timesteps\), guidance 1 → 3 over frames/, /FME chunking \(9×2\): 19 regions over batch×frames rows \(8\), 6 over other rows \(512, 128\)/],
    ['animatediff-tiny', /ddim \(epsilon\), guidance 7\.5/, /FME chunking \(9×2\): 17 regions over batch×frames rows \(8\), 16 over other rows \(512, 128, 32\)/],
  ])('%s: prints the sampler, the guidance and what FME chunking would slice', async (fixture, sampler, chunking) => {
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
    expect(await main(['inspect', join(USER_MODELS_DIR, fixture, 'manifest.json')])).toBe(0);
    expect(printed).toMatch(sampler);
    expect(printed).toMatch(chunking);
  });
});
