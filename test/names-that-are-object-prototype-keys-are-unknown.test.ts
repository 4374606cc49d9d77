import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd: '/' });

describe('names inherited from Object are not commands, presets or suites', () => {
  it.each([
    [['toString'], /unknown command "toString"; accepted: run, report/],
    [['constructor'], /unknown command "constructor"/],
    [['run', '--preset', 'constructor'], /unknown preset "constructor"; accepted: tiny, small, sd15/],
    [['run', '--preset', 'hasOwnProperty'], /unknown preset "hasOwnProperty"/],
    [['run', '--suite', 'toString'], /suite "toString" is neither a built-in suite \(default, deployed, ablation, dit-caches\) nor a file/],
  ])('%j → exit 2 naming what is accepted', (args, message) => {
    const result = run(...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });
});
