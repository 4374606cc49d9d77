import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const manifests = mkdtempSync(join(tmpdir(), 'lightbench-mag-cache-manifest-'));

async function results(out: string) {
  const file = await readResultsFile(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!));
  const [baseline, cached] = file.variants;
  if (baseline!.status !== 'ok' || cached!.status !== 'ok') throw new Error(`variants: ${file.variants.map((v) => v.status).join(', ')}`);
  return { file, baseline: baseline!, cached: cached! };
}

describe('lightbench run with mag-cache', () => {
  it('on the dit-tiny preset calibrates its ratios before the timed run, records them in the variant and each step\'s decision', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-mag-cache-run-'));
    const result = run('run', '--preset', 'dit-tiny', '--variants', 'baseline,mag-cache', '--repeats', '1', '--warmup', '0', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const { file, baseline, cached } = await results(out);
    const steps = file.suite.steps;
    expect(file.suite.variants[1]).toEqual({ name: 'mag-cache', kind: 'mag-cache', threshold: 0.06, maxSkipSteps: 3, retentionRatio: 0.2, magRatiosSource: 'calibrated' });
    // The calibrated ratios join the variant as it ran: one per step, the first 1.
    expect(cached.variant).toMatchObject({ magRatiosSource: 'calibrated' });
    expect(cached.variant.magRatios).toHaveLength(steps);
    expect(cached.variant.magRatios![0]).toBe(1);
    expect(baseline.runs[0]!.steps.every((s) => s.decision === undefined)).toBe(true);
    const recorded = cached.runs[0]!.steps;
    expect(recorded).toHaveLength(steps);
    recorded.forEach((step, i) => {
      expect(step.decision).toMatchObject({ method: 'mag-cache', threshold: 0.06 });
      expect(step.kind).toBe(step.decision!.calls.some((c) => c.computed) ? 'full' : 'cached');
      const call = step.decision!.calls[0]!;
      expect(call.change).toBeCloseTo(cached.variant.magRatios![i]!, 6);
      // After round(0.2 · steps) retention steps every decision carries the accumulators that made it.
      if (i < Math.round(0.2 * steps)) expect(call.skipSteps).toBeUndefined();
      else expect(call).toMatchObject({ skipSteps: expect.any(Number), accumulated: expect.any(Number), accumulatedRatio: expect.any(Number) });
    });
    expect(cached.fidelity!.psnrDb).toBeGreaterThan(20);
  }, 120_000);

  it('takes ratios from the manifest and maxSkipSteps and retentionRatio from the command line', async () => {
    const manifest = writeManifestVariant('wan-tiny', manifests, (m) => (m.denoiser.magCache = { ratios: [1, 1, 1, 1], ratiosSource: 'flat, for the test' }));
    const out = mkdtempSync(join(tmpdir(), 'lightbench-mag-cache-run-'));
    const result = run('run', '--model', manifest, '--variants', 'baseline,mag-cache', '--steps', '8', '--max-skip-steps', '2', '--retention-ratio', '0.25', '--warmup', '0', '--repeats', '1', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const { cached } = await results(out);
    expect(cached.variant).toEqual({ name: 'mag-cache', kind: 'mag-cache', threshold: 0.06, maxSkipSteps: 2, retentionRatio: 0.25, magRatios: [1, 1, 1, 1], magRatiosSource: 'manifest' });
    // Ratios of 1 leave the error at 0: two retention steps, then two reused steps before every computed one.
    expect(cached.runs[0]!.steps.map((s) => s.kind)).toEqual(['full', 'full', 'cached', 'cached', 'full', 'cached', 'cached', 'full']);
  }, 120_000);

  it('refuses out-of-range parameters and bad manifest ratios, naming the flag or field and what is accepted', async () => {
    const retention = run('run', '--preset', 'dit-tiny', '--variants', 'mag-cache', '--retention-ratio', '1.5', '--no-progress');
    expect(retention.status).toBe(2);
    expect(retention.stderr).toMatch(/--retention-ratio/);
    const skips = run('run', '--preset', 'dit-tiny', '--variants', 'mag-cache', '--max-skip-steps', '-1', '--no-progress');
    expect(skips.status).toBe(2);
    expect(skips.stderr).toMatch(/--max-skip-steps/);
    const empty = writeManifestVariant('wan-tiny', manifests, (m) => (m.denoiser.magCache = { ratios: [] }));
    await expect(loadDitManifest(empty)).rejects.toThrow(/denoiser\.magCache\.ratios.*at least one magnitude ratio/);
    const negative = writeManifestVariant('wan-tiny', manifests, (m) => (m.denoiser.magCache = { ratios: [1, -0.5] }));
    await expect(loadDitManifest(negative)).rejects.toThrow(/denoiser\.magCache\.ratios\.1.*a number ≥ 0/);
  }, 60_000);
});
