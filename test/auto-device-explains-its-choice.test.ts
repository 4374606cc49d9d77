import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDevice } from '../harness/resolve-device.ts';
import { webgpuSkipReason } from './fixtures/software-vulkan.ts';

const emptyDirs: string[] = [];
const noCudaLibraries = () => {
  emptyDirs.push(mkdtempSync(join(tmpdir(), 'lightbench-no-cuda-')));
  return emptyDirs.at(-1)!;
};
afterAll(() => emptyDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('--device auto', () => {
  it('falls back to cpu and says why neither GPU provider was taken', async () => {
    const env = { ...process.env, VK_DRIVER_FILES: '/nonexistent/vulkan-icd.json' };
    const device = await resolveDevice('auto', { env, ortLibraryDir: noCudaLibraries() });
    expect(device.provider).toBe('cpu');
    expect(device.note).toMatch(/^auto: chose cpu; cuda: libonnxruntime_providers_cuda\.so and libonnxruntime_providers_shared\.so are not in .*; webgpu: WebGPU did not start: .*no Vulkan driver manifest in VK_DRIVER_FILES=\/nonexistent\/vulkan-icd\.json/);
  });

  // Only meaningful where the sole Vulkan driver that works is a CPU implementation (a CI machine with lavapipe).
  const gpuPresent = existsSync('/dev/nvidiactl') || existsSync('/dev/dri');
  it.skipIf(webgpuSkipReason() !== null || gpuPresent)('does not pick WebGPU on a software Vulkan driver, which explicit --device webgpu accepts', async () => {
    const auto = await resolveDevice('auto', { ortLibraryDir: noCudaLibraries() });
    expect(auto.provider).toBe('cpu');
    expect(auto.note).toMatch(/webgpu: only a software Vulkan driver answered .*lvp_icd\.json \(software\).*ask for --device webgpu/);
    const explicit = await resolveDevice('webgpu');
    expect(explicit).toMatchObject({ provider: 'webgpu' });
    expect(explicit.note).toMatch(/^webgpu: WebGPU on a software Vulkan driver .*times measure the CPU/);
  });
});
