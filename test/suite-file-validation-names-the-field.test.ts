import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITE_JSON_SCHEMA_PATH, loadSuite, planSuite, suiteJsonSchemaText } from '../harness/suite-config.ts';

async function suiteFile(text: string, name = 'suite.yaml'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'lightbench-suite-')), name);
  await writeFile(path, text);
  return path;
}

describe('suite files', () => {
  it('load from YAML with per-variant parameters and resolve into the recorded suite', async () => {
    const path = await suiteFile(['name: nightly', 'models: [tiny]', 'variants:', '  - baseline', '  - { name: lightcache, cacheInterval: 3, chunks: 4x2, sliceFrames: 2 }', 'repeats: 2', 'session: { cpuMemArena: true }'].join('\n'));
    const planned = planSuite(await loadSuite(path));
    expect(planned.suite.name).toBe('nightly');
    expect(planned.suite.repeats).toBe(2);
    expect(planned.suite.session).toMatchObject({ cpuMemArena: true, memPattern: true, mallocMmapThreshold: 131072 });
    const lightcache = planned.pairs.find((p) => p.spec.name === 'lightcache')!;
    expect(lightcache.spec).toMatchObject({ kind: 'lightcache', cacheInterval: 3, chunks: { batchFrames: 4, spatial: 2 }, sliceFrames: 2, swap: true, chunk: true, slice: true });
    expect(planned.pairs[0]!.spec.name).toBe('baseline');
  });

  it.each([
    ['repeats: 0', /repeats: Too small: expected number to be >=1/],
    ['variants: [baseline, warp]', /variants\[1\]/],
    ['session: { cpuMemArena: maybe }', /session\.cpuMemArena: Invalid input: expected boolean/],
    ['frobnicate: 1', /Unrecognized key: "frobnicate"/],
    ['chunks: 9', /chunks/],
    ['models: [small]\nframes: 40', /frames: Too big: expected number to be <=32/],
  ])('reject %j naming the field', async (text, message) => {
    const path = await suiteFile(text);
    await expect(loadSuite(path)).rejects.toThrow(message);
    await expect(loadSuite(path)).rejects.toThrow(path);
  });

  it('built-in suites differ exactly in the settings that change memory', async () => {
    const measured = planSuite(await loadSuite('default')).suite.session;
    const deployed = planSuite(await loadSuite('deployed')).suite.session;
    expect(measured).toMatchObject({ cpuMemArena: false, mallocMmapThreshold: 131072 });
    expect(deployed).toMatchObject({ cpuMemArena: true, mallocMmapThreshold: null });
    expect(planSuite(await loadSuite('ablation')).pairs.map((p) => p.spec.name)).toEqual(['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice']);
  });

  it('the committed suite JSON Schema equals a fresh export (regenerate: npx tsx harness/export-json-schema.ts)', async () => {
    expect(await readFile(SUITE_JSON_SCHEMA_PATH, 'utf8')).toBe(suiteJsonSchemaText());
  });
});
