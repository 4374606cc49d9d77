import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const repo = new URL('../', import.meta.url).pathname;

it('npm reads no unknown project config, and onnxruntime-node\'s download is turned off by what its install script honours', async () => {
  const config = spawnSync('npm', ['config', 'list'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  expect(config.status).toBe(0);
  expect(config.stderr).not.toMatch(/Unknown (project|user|builtin)? ?config/i);
  expect(existsSync(join(repo, '.npmrc')) ? await readFile(join(repo, '.npmrc'), 'utf8') : '').not.toMatch(/onnxruntime-node-install/);
  // npm versions with allowScripts do not run the script at all; older ones get the variable the script reads.
  const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  expect(await readFile(join(repo, '.ci/run'), 'utf8')).toMatch(/export ONNXRUNTIME_NODE_INSTALL=skip\n(.*\n)*npm ci/);
  // The script itself, with that variable and no network: it stops before fetching anything.
  const script = join(repo, 'node_modules/onnxruntime-node/script/install.js');
  const install = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', HTTPS_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9' } });
  expect(install.status).toBe(0);
  expect(install.stdout + install.stderr).toBe('');
});
