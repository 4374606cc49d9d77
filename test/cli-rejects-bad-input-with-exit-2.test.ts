import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('lightbench run refuses bad input before running anything', () => {
  it.each([
    [['run', '--frobnicate'], /Unknown option '--frobnicate'.*accepted options: .*--preset.*--variants/],
    [['run', '--preset', 'huge'], /unknown preset "huge"; accepted: tiny, small, sd15/],
    [['run', '--steps', 'many'], /--steps "many" is not accepted; expected an integer from 1 to 1000/],
    [['run', '--steps', '0'], /--steps "0" is not accepted; expected an integer from 1 to 1000/],
    [['run', '--device', 'tpu'], /--device "tpu" is not accepted; accepted: auto, cpu, cuda, webgpu/],
    [['run', '--variants', 'baseline,turbo'], /--variants "turbo" is not accepted; accepted: baseline, deepcache, fme, lightcache/],
    [['run', '--chunks', '9'], /--chunks "9" is not accepted; expected <batch×frames>x<spatial>/],
    [['run', '--preset', 'tiny', '--cache-branch', '9'], /cacheBranch 9 cannot be cached for model tiny; accepted: one of 0, 1, 2, 3/],
    [['run', '--preset', 'tiny', '--slice-frames', '5'], /sliceFrames must be an integer from 1 to 4, got 5/],
    [['run', '--suite', 'nope.yaml'], /suite "nope.yaml" is neither a built-in suite \(default, deployed, ablation, dit-caches\) nor a file/],
    [['frobnicate'], /unknown command "frobnicate"; accepted: run, report/],
  ])('%j → exit 2 naming what is accepted', (args, message) => {
    const result = run(...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });
});
