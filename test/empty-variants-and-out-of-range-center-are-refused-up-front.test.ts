import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-refused-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
// The model cache is a folder that does not exist yet: a refusal that came after building would create it.
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args, '--out', join(dir, 'results')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LIGHTBENCH_CACHE_DIR: join(dir, 'models') } });

describe('lightbench run refuses before building anything', () => {
  it.each([
    [['run', '--preset', 'tiny', '--variants', ''], /--variants "" names no variant; accepted: a comma-separated list of baseline, deepcache/],
    [['run', '--preset', 'tiny', '--variants', ' , '], /--variants " , " names no variant/],
    [['run', '--preset', 'tiny', '--variants', 'deepcache', '--steps', '8', '--schedule', 'non-uniform', '--center', '50'], /center must be a step in 0\.\.7, got 50/],
  ])('%j → exit 2', (args, message) => {
    const result = run(...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
    expect(existsSync(join(dir, 'models'))).toBe(false);
  });
});
