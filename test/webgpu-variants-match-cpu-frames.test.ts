import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelineOutput } from '../pipelines/types.ts';
import { UNET_VARIANT_NAMES } from '../pipelines/variants.ts';
import { prepareModels, runPipeline } from '../pipelines/video-pipeline.ts';
import { maxAbsDifference, tinyRequest } from './fixtures/run-tiny-variant.ts';
import { prepareSoftwareVulkan, webgpuSkipReason } from './fixtures/software-vulkan.ts';

/**
 * Largest per-value difference allowed between WebGPU's frames and the CPU provider's (frames in [0, 1]).
 * Lavapipe measured at most 9e-6 on every variant; 1e-4 is a fortieth of an 8-bit level, and the test below
 * shows it is far smaller than what one variant changes against another.
 */
const TOLERANCE = 1e-4;
// Three steps: full, cached, full at interval 2. With two, the cached step would be DDIM's last, which with
// linspace spacing maps to the same alpha and returns its input unchanged, so no cache could show in the frames.
const STEPS = 3;

const skip = webgpuSkipReason();
const runs = new Map<string, { cpu: PipelineOutput; webgpu: PipelineOutput }>();

describe.skipIf(skip !== null)(`tiny pipeline on the webgpu provider${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    prepareSoftwareVulkan();
    for (const variant of UNET_VARIANT_NAMES) {
      const cpuRequest = tinyRequest(variant, {}, STEPS);
      const webgpuRequest = { ...cpuRequest, executionProvider: 'webgpu' as const };
      const cpu = await runPipeline(cpuRequest, await prepareModels(cpuRequest));
      const webgpu = await runPipeline(webgpuRequest, await prepareModels(webgpuRequest));
      runs.set(variant, { cpu, webgpu });
    }
  }, 600_000);

  it.each(UNET_VARIANT_NAMES)(`%s gives the CPU provider's frames within ${TOLERANCE}`, (variant) => {
    const { cpu, webgpu } = runs.get(variant)!;
    expect(webgpu.frameShape).toEqual(cpu.frameShape);
    expect(webgpu.steps.map((s) => s.kind)).toEqual(cpu.steps.map((s) => s.kind));
    expect(maxAbsDifference(webgpu.frames, cpu.frames)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('uses a tolerance that would catch a wrong variant', () => {
    const baseline = runs.get('baseline')!.cpu.frames;
    expect(maxAbsDifference(runs.get('deepcache')!.webgpu.frames, baseline)).toBeGreaterThan(10 * TOLERANCE);
  });

  it('keeps the DeepCache feature on the device between steps when nothing swaps it out', () => {
    for (const variant of ['deepcache', 'lightcache-chunk', 'lightcache-slice']) {
      const { webgpu } = runs.get(variant)!;
      expect(webgpu.steps.some((s) => s.kind === 'cached')).toBe(true);
      expect(webgpu.cache, variant).toMatchObject({ location: 'device' });
      expect(webgpu.cache.peakBytes).toBe(runs.get(variant)!.cpu.cache.peakBytes);
      expect(webgpu.cache.note).toBeUndefined();
    }
  });

  it('keeps the feature in host memory when LightCache swaps it out', () => {
    for (const variant of ['lightcache-swap', 'lightcache']) {
      const { webgpu } = runs.get(variant)!;
      expect(webgpu.cache, variant).toMatchObject({ location: 'host' });
      expect(webgpu.cache.peakBytes).toBeGreaterThan(0);
      expect(webgpu.cache.note).toMatch(/host memory/);
    }
  });
});
