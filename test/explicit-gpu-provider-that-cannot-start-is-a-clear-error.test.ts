import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDevice } from '../harness/resolve-device.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
// The Vulkan loader reads its driver list from these when set; pointing them at nothing hides every driver.
const NO_VULKAN_DRIVER = { VK_DRIVER_FILES: '/nonexistent/vulkan-icd.json', VK_ICD_FILENAMES: '/nonexistent/vulkan-icd.json' };

describe('an explicitly requested GPU provider that cannot start', () => {
  it('--device webgpu without a Vulkan driver exits 2 naming the loader, the driver and how to install them', () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-no-vulkan-'));
    const result = spawnSync(process.execPath, [bin, 'run', '--preset', 'tiny', '--device', 'webgpu', '--variants', 'baseline', '--steps', '1', '--out', out, '--no-progress'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ...NO_VULKAN_DRIVER },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--device webgpu: WebGPU did not start: .*adapter/);
    expect(result.stderr).toMatch(/no Vulkan driver manifest in VK_DRIVER_FILES=\/nonexistent\/vulkan-icd\.json \(\/nonexistent\/vulkan-icd\.json does not exist\)/);
    expect(result.stderr).toMatch(/libvulkan1/);
    expect(result.stderr).toMatch(/apt-get install -y -t bookworm-backports mesa-vulkan-drivers/);
    expect(readdirSync(out)).toEqual([]);
    rmSync(out, { recursive: true, force: true });
  });

  it('--device cuda without the CUDA provider libraries names them and the command that fetches them', async () => {
    const emptyLibraryDir = mkdtempSync(join(tmpdir(), 'lightbench-no-cuda-'));
    const failure = await resolveDevice('cuda', { ortLibraryDir: emptyLibraryDir }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'HarnessError', code: 'provider-unavailable' });
    expect((failure as Error).message).toContain(`libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so are not in ${emptyLibraryDir}`);
    expect((failure as Error).message).toContain('ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js');
    rmSync(emptyLibraryDir, { recursive: true, force: true });
  });
});
