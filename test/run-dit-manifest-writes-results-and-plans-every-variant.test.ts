import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { DIT_DEFAULT_VARIANTS, loadUserModels, planSuite } from '../harness/suite-config.ts';
import { VARIANT_NAMES } from '../pipelines/variants.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const wan = join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json');

describe('lightbench run --model on a diffusion-transformer manifest', () => {
  it('runs the baseline and deepcache (a block cache) and writes a results file that reads back valid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lightbench-dit-run-'));
    const result = run('run', '--model', wan, '--variants', 'baseline,deepcache', '--warmup', '0', '--repeats', '1', '--no-progress', '--out', out, '--intra-op-threads', '1');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('.json'))!;
    const results = await readResultsFile(join(out, file));
    expect(results.suite.models).toEqual(['wan-tiny']);
    expect(results.suite.modelManifests).toEqual({ 'wan-tiny': wan });
    expect(results.suite.scheduler.kind).toBe('unipc');
    expect(results.suite.steps).toBe(4);
    const [baseline, deepcache] = results.variants;
    if (baseline!.status !== 'ok' || deepcache!.status !== 'ok') throw new Error(`variants: ${results.variants.map((v) => v.status).join(', ')}`);
    const measured = baseline!.runs[0]!;
    expect(measured.steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'full']);
    for (const stage of ['encode', 'denoise', 'decode'] as const) expect(measured.stagesMs[stage]).toBeGreaterThan(0);
    // Interval 2: every other step reuses the residual of the blocks, which changes the video a little.
    expect(deepcache!.runs[0]!.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'full', 'cached']);
    expect(deepcache!.fidelity!.psnrDb).toBeGreaterThan(20);
    expect(deepcache!.work!.denoise!.flops).toBeLessThan(baseline!.work!.denoise!.flops);
  }, 120_000);

  it('plans every variant of the ablation suite, lightcache with the block cache, token chunks, swap and the sliced causal decode', async () => {
    const file = { models: [wan], variants: [...VARIANT_NAMES] };
    const planned = planSuite(file, {}, await loadUserModels(file));
    expect(planned.pairs.map((p) => p.variant.name).sort()).toEqual([...VARIANT_NAMES].sort());
    const lightcache = planned.pairs.find((p) => p.variant.name === 'lightcache')!;
    expect(lightcache.spec).toMatchObject({ kind: 'lightcache', swap: true, chunk: true, slice: true, sliceFrames: 1, cacheInterval: 2 });
    expect(lightcache.spec.tokenChunks).toBeGreaterThanOrEqual(2);
  });

  it('plans the default suite\'s variants when the suite names none', async () => {
    const file = { models: [wan] };
    const planned = planSuite(file, {}, await loadUserModels(file));
    expect(planned.pairs.map((p) => p.variant.name)).toEqual([...DIT_DEFAULT_VARIANTS]);
  });
});
