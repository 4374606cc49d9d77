import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readResultsFile, writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('results file round trip', () => {
  it('reads back exactly the CPU example run it wrote, creating the directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
    const run = makeExampleRun();
    const path = join(dir, 'nested', 'results', `${run.runId}.json`);
    await writeResultsFile(path, run);
    expect(await readResultsFile(path)).toEqual(run);
    expect(await readdir(join(dir, 'nested', 'results'))).toEqual([`${run.runId}.json`]);
  });

  it('keeps every optional part of a GPU run with profiles', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
    const run = makeExampleRun({ device: 'cuda', profile: true, runId: 'gpu-run' });
    const path = join(dir, 'gpu-run.json');
    await writeResultsFile(path, run);
    const back = await readResultsFile(path);
    expect(back).toEqual(run);
    const lightcache = back.variants.find((v) => v.status === 'ok' && v.variant.name === 'lightcache');
    expect(lightcache?.status === 'ok' && lightcache.gpuMemory.status).toBe('ok');
    expect(lightcache?.status === 'ok' && lightcache.profile?.denoise?.byTime.length).toBeGreaterThan(0);
    expect(lightcache?.status === 'ok' && lightcache.energy?.denoise?.joules).toBeGreaterThan(0);
  });

  it('writes plain JSON with a trailing newline and the error variant intact', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
    const run = makeExampleRun();
    const path = join(dir, 'run.json');
    await writeResultsFile(path, run);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toMatch(/Infinity|NaN/);
    const failed = JSON.parse(text).variants.filter((v: { status: string }) => v.status === 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0].error.signal).toBe('SIGKILL');
  });
});
