import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { maxAbsDifference } from './fixtures/run-tiny-variant.ts';
import { DEEPCACHE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { prepareSoftwareVulkan, webgpuSkipReason } from './fixtures/software-vulkan.ts';

// The exported AnimateDiff pipeline with DeepCache on WebGPU: the split full graph's cache_feature output stays on
// the device and feeds the shallow graph, and the frames are the CPU provider's within 1e-4 (as for built-in models).
const skip = webgpuSkipReason();

describe.skipIf(skip !== null)(`exported AnimateDiff with DeepCache on webgpu${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('keeps the feature on the device and gives the CPU frames', async () => {
    prepareSoftwareVulkan();
    const model = await loadModelManifest(join(USER_MODELS_DIR, 'animatediff-tiny', 'manifest.json'));
    const cpu = await runUser(userRequest(model, DEEPCACHE));
    const webgpu = await runUser(userRequest(model, DEEPCACHE, { executionProvider: 'webgpu' }));
    expect(webgpu.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'full']);
    expect(webgpu.cache).toMatchObject({ location: 'device', peakBytes: cpu.cache.peakBytes });
    expect(cpu.cache.peakBytes).toBeGreaterThan(0);
    expect(maxAbsDifference(webgpu.frames, cpu.frames)).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});
