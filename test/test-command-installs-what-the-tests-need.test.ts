import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = new URL('../', import.meta.url).pathname;
const installer = join(repo, '.ci/install-test-tools');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-test-tools-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const dryRun = (env: Record<string, string>) => {
  const clean = { ...process.env };
  delete clean.LIGHTBENCH_PYTORCH_PYTHON;
  delete clean.LIGHTBENCH_TEST_INSTALL;
  return spawnSync('bash', [installer, '--dry-run'], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 30_000 });
};

describe('npm test installs what the tests need on a fresh machine', () => {
  it('runs the installer before the type check and the tests', async () => {
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toBe('bash .ci/install-test-tools && tsc --noEmit -p . && vitest run');
  });

  it('CI installs dependencies and then calls exactly `npm test`', async () => {
    const commands = (await readFile(join(repo, '.ci/run'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !/^(set|cd|export) /.test(l));
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
  });

  it('on a machine without chromium, lavapipe and the PyTorch environment, installs all three', () => {
    const result = dryRun({ LIGHTBENCH_CHROMIUM: join(dir, 'no-chromium'), LIGHTBENCH_VULKAN_ICD_DIR: join(dir, 'no-icd'), LIGHTBENCH_PYTORCH_VENV: join(dir, 'no-venv') });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/would run: (sudo )?apt-get install .*chromium/);
    expect(result.stdout).toMatch(/would run: (sudo )?apt-get install .*mesa-vulkan-drivers/);
    expect(result.stdout).toContain(`would run: python3 -m venv ${join(dir, 'no-venv')}`);
    expect(result.stdout).toContain(`would run: ${join(dir, 'no-venv')}/bin/pip install -r tools/export/requirements.txt`);
  });

  it('on a machine that has them, installs nothing', async () => {
    const chromium = join(dir, 'chromium');
    await writeFile(chromium, '#!/bin/sh\n');
    await chmod(chromium, 0o755);
    await mkdir(join(dir, 'icd'), { recursive: true });
    await writeFile(join(dir, 'icd', 'lvp_icd.x86_64.json'), '{}');
    await mkdir(join(dir, 'venv', 'bin'), { recursive: true });
    await writeFile(join(dir, 'venv', 'bin', 'python'), '#!/bin/sh\n');
    await chmod(join(dir, 'venv', 'bin', 'python'), 0o755);
    const result = dryRun({ LIGHTBENCH_CHROMIUM: chromium, LIGHTBENCH_VULKAN_ICD_DIR: join(dir, 'icd'), LIGHTBENCH_PYTORCH_VENV: join(dir, 'venv') });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });
});
