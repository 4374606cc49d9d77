import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { planSuite } from '../harness/suite-config.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const wan = join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json');

describe('lightbench run with first-block-cache', () => {
  it('records the threshold in the variant and each step\'s decision per call in the results file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-fbc-run-'));
    const result = run('run', '--model', wan, '--variants', 'baseline,first-block-cache', '--threshold', '0.12', '--steps', '8', '--warmup', '0', '--repeats', '1', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const results = await readResultsFile(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!));
    expect(results.suite.variants[1]).toMatchObject({ name: 'first-block-cache', kind: 'first-block-cache', threshold: 0.12 });
    const [baseline, cached] = results.variants;
    if (baseline!.status !== 'ok' || cached!.status !== 'ok') throw new Error(`variants: ${results.variants.map((v) => v.status).join(', ')}`);
    expect(baseline!.runs[0]!.steps.every((s) => s.decision === undefined)).toBe(true);
    const steps = cached!.runs[0]!.steps;
    expect(steps).toHaveLength(8);
    for (const step of steps) {
      expect(step.decision).toMatchObject({ method: 'first-block-cache', threshold: 0.12 });
      expect(step.decision!.calls.map((c) => c.call)).toEqual(['negative', 'prompt']);
      expect(step.kind).toBe(step.decision!.calls.some((c) => c.computed) ? 'full' : 'cached');
    }
    expect(steps[0]!.decision!.calls.map((c) => c.change)).toEqual([null, null]);
    // At this threshold the run both computes and reuses (the parity test checks which, against diffusers).
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['full', 'cached']));
    expect(cached!.cache.peakBytes).toBeGreaterThan(0);
    expect(cached!.work!.denoise!.flops).toBeLessThan(baseline!.work!.denoise!.flops);
    expect(cached!.fidelity!.psnrDb).toBeGreaterThan(20);
  }, 120_000);

  it('refuses a negative threshold on the command line and first-block-cache on a U-Net preset, naming what is accepted', () => {
    const negative = run('run', '--model', wan, '--variants', 'first-block-cache', '--threshold', '-0.1', '--no-progress');
    expect(negative.status).toBe(2);
    expect(negative.stderr).toMatch(/--threshold/);
    expect(() => planSuite({ models: ['tiny'], variants: ['first-block-cache'] })).toThrow(/first-block-cache runs on diffusion-transformer model manifests .* model tiny is not one/);
  });
});
