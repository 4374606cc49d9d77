import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const env = { ...process.env, LIGHTBENCH_CACHE_DIR: join(tmpdir(), 'lightbench-test-models') };
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env });

describe('lightbench run --preset dit-tiny', () => {
  it('runs baseline, deepcache, lightcache-swap and lightcache-slice through the DiT pipeline and records the preset', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-dit-preset-'));
    const variants = ['baseline', 'deepcache', 'lightcache-swap', 'lightcache-slice'];
    const result = run('run', '--preset', 'dit-tiny', '--variants', variants.join(','), '--repeats', '1', '--warmup', '0', '--steps', '2', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const results = await readResultsFile(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!));
    expect(results.suite.models).toEqual(['dit-tiny']);
    // A built-in preset is no user's manifest, whatever file in the cache it was materialised as.
    expect(results.suite.modelManifests).toBeUndefined();
    expect(results.suite.scheduler).toMatchObject({ kind: 'unipc', predictionType: 'flow_prediction', flowShift: 3 });
    expect(results.suite.frames).toBe(3);
    const byName = new Map(results.variants.map((v) => [v.status === 'ok' ? v.variant.name : '', v]));
    expect([...byName.keys()]).toEqual(variants);
    for (const name of variants) {
      const v = byName.get(name)!;
      if (v.status !== 'ok') throw new Error(`${name}: ${v.status}`);
      expect(v.model).toBe('dit-tiny');
      expect(v.runs[0]!.steps.map((s) => s.kind)).toEqual(name === 'baseline' ? ['full', 'full'] : ['full', 'cached']);
      if (name !== 'baseline') expect(v.fidelityNote).toMatch(/random-weight/);
    }
    const swap = byName.get('lightcache-swap')!;
    const slice = byName.get('lightcache-slice')!;
    const deepcache = byName.get('deepcache')!;
    if (swap.status !== 'ok' || slice.status !== 'ok' || deepcache.status !== 'ok') throw new Error('not ok');
    // Swap loads and releases each model in the stage it serves, itemised.
    expect(swap.swap!.map((s) => `${s.stage} ${s.what}`)).toEqual(expect.arrayContaining(['encode load text-encoder', 'denoise load denoiser', 'decode load vae-decoder']));
    // Slicing the decode and offloading change nothing in the video: both equal the block cache's frames.
    expect(slice.fidelity!.maxAbsError).toBeCloseTo(deepcache.fidelity!.maxAbsError, 4);
    expect(swap.fidelity!.maxAbsError).toBe(deepcache.fidelity!.maxAbsError);
  }, 120_000);
});
