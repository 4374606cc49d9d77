import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
// LIGHTBENCH_CACHE_DIR points at an empty place: a refusal that came after building would leave models there.
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LIGHTBENCH_CACHE_DIR: '/nonexistent/lightbench-models' } });

describe('lightbench run refuses before building anything', () => {
  it.each([
    [['run', '--preset', 'tiny', '--variants', ''], /--variants "" names no variant; accepted: a comma-separated list of baseline, deepcache/],
    [['run', '--preset', 'tiny', '--variants', ' , '], /--variants " , " names no variant/],
    [['run', '--preset', 'tiny', '--variants', 'deepcache', '--steps', '8', '--schedule', 'non-uniform', '--center', '50'], /center must be a step in 0\.\.7, got 50/],
  ])('%j → exit 2', (args, message) => {
    const result = run(...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });
});
