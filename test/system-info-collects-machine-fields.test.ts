import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { collectSystemInfo, findOnPath, machineFingerprint } from '../harness/system-info.ts';
import { installFakeNvidiaSmi, nvidiaSmiFixture, type FakeNvidiaSmi } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
let fake: FakeNvidiaSmi | undefined;
afterEach(() => fake?.cleanup());

describe('collectSystemInfo', () => {
  it('describes this machine, Node, onnxruntime-node and the git state', async () => {
    const info = await collectSystemInfo({ cwd: repo });
    expect(info.machine.cores).toBe(cpus().length);
    expect(info.machine.physicalCores).toBeGreaterThan(0);
    expect(info.machine.memoryBytes).toBe(totalmem());
    expect(info.machine.kernel).toBe(release());
    expect(info.machine.cpuModel.length).toBeGreaterThan(0);
    expect(info.machine.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(info.node).toBe(process.version);

    const ortPkg = JSON.parse(readFileSync(new URL('../node_modules/onnxruntime-node/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(info.onnxruntimeNode).toEqual({ status: 'ok', version: ortPkg.version });

    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const porcelain = execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
    expect(info.git).toEqual({ status: 'ok', commit: head, dirty: porcelain.trim() !== '' });

    if ((await findOnPath('nvidia-smi')) === undefined) {
      expect(info.gpus).toEqual({ status: 'absent', reason: 'nvidia-smi not found on PATH' });
      expect(info.graphicsControllers.status).toBe('skipped');
    }
    expect((await collectSystemInfo({ cwd: repo })).machine.fingerprint).toBe(info.machine.fingerprint);
  });

  it('takes GPUs from the nvidia-smi metadata query, and they change the fingerprint', async () => {
    fake = await installFakeNvidiaSmi({ metadata: nvidiaSmiFixture('query-gpu-meta-dual-rtx-2070.csv') });
    const withGpus = await collectSystemInfo({ cwd: repo, nvidiaSmi: fake.executable });
    expect(withGpus.gpus.status === 'ok' && withGpus.gpus.gpus.map((g) => [g.index, g.name, g.memoryTotalBytes, g.driver])).toEqual([
      [0, 'NVIDIA GeForce RTX 2070', 8192 * 1024 * 1024, '590.44.01'],
      [1, 'NVIDIA GeForce RTX 2070', 8192 * 1024 * 1024, '590.44.01'],
    ]);
    expect(withGpus.graphicsControllers.status).toBe('skipped');
    const without = await collectSystemInfo({ cwd: repo, nvidiaSmi: `${fake.dir}/missing-nvidia-smi` });
    expect(without.gpus.status).toBe('absent');
    expect(withGpus.machine.fingerprint).not.toBe(without.machine.fingerprint);
  });

  it('records git as absent, with git’s reason, outside a repository', async () => {
    const info = await collectSystemInfo({ cwd: tmpdir() });
    expect(info.git.status).toBe('absent');
    expect(info.git.status === 'absent' && info.git.reason).toMatch(/not a git repository/);
  });
});

describe('machineFingerprint', () => {
  const base = { cpuModel: 'AMD EPYC', cores: 2, physicalCores: 2, memoryBytes: 25_276_510_208, gpuNames: ['NVIDIA H100 80GB HBM3'] };
  it('ignores a few MiB of MemTotal drift and GPU order, but not a different GPU', () => {
    expect(machineFingerprint({ ...base, memoryBytes: base.memoryBytes - 8 * 1024 * 1024 })).toBe(machineFingerprint(base));
    expect(machineFingerprint({ ...base, gpuNames: ['b', 'a'] })).toBe(machineFingerprint({ ...base, gpuNames: ['a', 'b'] }));
    expect(machineFingerprint({ ...base, gpuNames: ['NVIDIA H200'] })).not.toBe(machineFingerprint(base));
  });
});
