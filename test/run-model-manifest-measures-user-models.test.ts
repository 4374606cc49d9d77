import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const manifest = (fixture: string) => join(USER_MODELS_DIR, fixture, 'manifest.json');

describe('lightbench run --model MANIFEST', () => {
  it.each([
    [['--model', manifest('svd-tiny'), '--slice-frames', '1'], /sliceFrames 1: the VAE decoder of model svd-tiny decodes exactly 4 frames per call .*accepted: 4/],
    [['--model', manifest('animatediff-tiny'), '--frames', '8'], /frames 8: model animatediff-tiny is exported for 4 frames .*accepted: 4/],
    [['--model', manifest('animatediff-tiny'), '--cache-branch', '7'], /cacheBranch 7 cannot be cached for model animatediff-tiny; accepted: one of 0, 1, 2, 3, 4, 5/],
    [['--model', manifest('animatediff-tiny'), '--scheduler', 'euler'], /model animatediff-tiny brings its own scheduler/],
    [['--model', 'no-such-model.yaml'], /model manifest not found: .*no-such-model\.yaml/],
  ])('refuses %j with exit 2 and a message naming what is accepted', (args, message) => {
    const result = run('run', ...args, '--no-progress');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('measures the variants on the exported files and records where the model came from', () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-user-run-'));
    const result = run('run', '--model', manifest('animatediff-tiny'), '--variants', 'baseline,lightcache', '--warmup', '0', '--repeats', '1', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('.json'))!;
    const results = JSON.parse(readFileSync(join(out, file), 'utf8'));
    expect(results.suite.models).toEqual(['animatediff-tiny']);
    expect(results.suite.modelManifests).toEqual({ 'animatediff-tiny': manifest('animatediff-tiny') });
    expect(results.suite.frames).toBe(4);
    expect(results.suite.scheduler.kind).toBe('ddim');
    expect(results.variants.map((v: { status: string }) => v.status)).toEqual(['ok', 'ok']);
    const lightcache = results.variants[1];
    expect(lightcache.runs[0].steps.some((s: { kind: string }) => s.kind === 'cached')).toBe(true);
    expect(lightcache.swap.length).toBeGreaterThan(0);
    expect(lightcache.fidelity.psnrDb).toBeGreaterThan(20);
    expect(lightcache.fidelityNote).toBeUndefined();
  }, 120_000);
});
