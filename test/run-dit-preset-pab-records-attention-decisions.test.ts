import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { parseSuite, planSuite } from '../harness/suite-config.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const env = { ...process.env, LIGHTBENCH_CACHE_DIR: join(tmpdir(), 'lightbench-test-models') };
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env });

describe('lightbench run --preset dit-tiny --variants baseline,pab', () => {
  it('writes ok results whose pab steps record each attention kind, its counter and range, with diffusers defaults in the spec', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-dit-pab-'));
    const result = run('run', '--preset', 'dit-tiny', '--variants', 'baseline,pab', '--repeats', '1', '--warmup', '0', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const results = await readResultsFile(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!));
    const pab = results.variants.find((v) => v.status === 'ok' && v.variant.name === 'pab');
    if (!pab || pab.status !== 'ok') throw new Error('no ok pab result');
    expect(pab.variant).toEqual({ name: 'pab', kind: 'pab', spatialAttentionBlockSkipRange: 2, spatialAttentionTimestepSkipRange: [100, 800], crossAttentionBlockSkipRange: null, crossAttentionTimestepSkipRange: [100, 800] });
    const steps = pab.runs[0]!.steps;
    // dit-tiny's default 4 steps run at timesteps 999, 900, 750, 500: the first two lie outside (100, 800) and compute;
    // inside it the batched call's counter (2, 3) computes at 2 and broadcasts at 3.
    expect(steps.map((s) => s.timestep)).toEqual([999, 900, 750, 500]);
    expect(steps.map((s) => s.decision!.calls.map((c) => c.attention!.map((a) => [a.kind, a.iteration, a.inTimestepRange, a.computed])))).toEqual([
      [[['spatial', 0, false, true]]],
      [[['spatial', 1, false, true]]],
      [[['spatial', 2, true, true]]],
      [[['spatial', 3, true, false]]],
    ]);
    expect(steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'cached']);
    expect(pab.cache.peakBytes).toBeGreaterThan(0);
    expect(pab.fidelity!.maxAbsError).toBeGreaterThan(0);
  }, 120_000);

  it('refuses out-of-range parameters naming the value and what is accepted', () => {
    const zero = run('run', '--preset', 'dit-tiny', '--variants', 'pab', '--spatial-attention-block-skip-range', '0', '--no-progress');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/spatial-attention-block-skip-range/);
    const reversed = run('run', '--preset', 'dit-tiny', '--variants', 'pab', '--cross-attention-timestep-skip-range', '800,100', '--no-progress');
    expect(reversed.status).toBe(2);
    expect(reversed.stderr).toMatch(/--cross-attention-timestep-skip-range "800,100".*LOW,HIGH/);
    expect(() => parseSuite({ variants: [{ name: 'pab', crossAttentionTimestepSkipRange: [900, 100] }] }, 'suite.yaml')).toThrow(/crossAttentionTimestepSkipRange.*low ≤ high/);
    expect(() => planSuite(parseSuite({ models: ['tiny'], variants: ['baseline', 'pab'] }, 'suite.yaml'))).toThrow(/pab runs on diffusion transformers.*tiny is a UNet/);
  }, 60_000);
});
