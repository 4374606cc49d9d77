import { describe, expect, it } from 'vitest';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';
import { prepareSoftwareVulkan, webgpuSkipReason } from './fixtures/software-vulkan.ts';

const skip = webgpuSkipReason();

describe.skipIf(skip !== null)(`lightbench run --device webgpu${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs each variant in its own child on webgpu and records the cache on the device for DeepCache, in host memory under swap', async () => {
    prepareSoftwareVulkan();
    const { run } = await runTinySuite({ device: 'webgpu', variants: ['deepcache', 'lightcache-swap'], steps: 3 });
    expect(run.context.executionProvider).toBe('webgpu');
    expect(run.context.providerNote).toMatch(/^webgpu: WebGPU on (a GPU|a software Vulkan driver)/);
    const byName = Object.fromEntries(run.variants.map((v) => [v.variant.name, v]));
    for (const result of Object.values(byName)) expect(result, JSON.stringify(result.status === 'error' ? result.error : '')).toMatchObject({ status: 'ok', executionProvider: 'webgpu' });
    const cache = (name: string) => {
      const result = byName[name]!;
      if (result.status !== 'ok') throw new Error(`${name} failed`);
      return result.cache;
    };
    expect(cache('deepcache')).toMatchObject({ location: 'device' });
    expect(cache('deepcache').peakBytes).toBeGreaterThan(0);
    expect(cache('lightcache-swap')).toMatchObject({ location: 'host', note: expect.stringMatching(/host memory/) });
    // Two children each compile their shaders with lavapipe: about two minutes on two busy cores.
  }, 300_000);
});
