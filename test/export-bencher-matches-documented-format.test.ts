import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { main } from '../harness/command-export.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { toBencherMetricFormat } from '../reports/export-bencher.ts';
import { BencherMetricFormatSchema } from '../reports/export-checkers.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/exports/${name}`, import.meta.url), 'utf8')) as unknown;
/** Bencher's own JSON Schema of BMF, as published, turned into a validator. */
const publishedSchema = z.fromJSONSchema(fixture('bmf-schema.json') as Parameters<typeof z.fromJSONSchema>[0]);

it.each(['bmf-reference-example.json', 'bmf-how-to-example.json', 'bmf-adapter-test-data-mixed.json'])('the documented example %s passes the checker and the published schema', (name) => {
  expect(BencherMetricFormatSchema.safeParse(fixture(name)).success).toBe(true);
  expect(publishedSchema.safeParse(fixture(name)).success).toBe(true);
});

it('the checker refuses a metric without a numeric value and an over-long measure name', () => {
  for (const bad of [{ b: { latency: { lower_value: 1 } } }, { b: { latency: { value: '88' } } }, { b: { ['m'.repeat(65)]: { value: 1 } } }]) {
    expect(BencherMetricFormatSchema.safeParse(bad).success).toBe(false);
  }
  expect(publishedSchema.safeParse({ b: { latency: { value: '88' } } }).success).toBe(false);
});

it('`lightbench export --format bencher` writes BMF: latency in ns bounded by the extreme runs, memory and fidelity measures', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-export-'));
  const run = makeExampleRun({ device: 'cuda' });
  await writeResultsFile(join(dir, 'run.json'), run);
  expect(await main([join(dir, 'run.json'), '--format', 'bencher', '--out', join(dir, 'bmf.json')])).toBe(0);
  const written = JSON.parse(await readFile(join(dir, 'bmf.json'), 'utf8')) as unknown;
  const bmf = BencherMetricFormatSchema.parse(written);
  expect(publishedSchema.safeParse(written).success).toBe(true);
  expect(bmf).toEqual(toBencherMetricFormat(run));
  const result = run.variants.find((v) => v.model === 'animatediff-tiny' && v.variant.name === 'deepcache')!;
  if (result.status !== 'ok') throw new Error('expected an ok result');
  const latency = bmf['animatediff-tiny/deepcache/denoise']!.latency!;
  expect(latency.value).toBe(Math.round(result.stages.denoise.medianMs * 1e6));
  expect(latency.lower_value!).toBeLessThanOrEqual(latency.value);
  expect(latency.upper_value!).toBeGreaterThanOrEqual(latency.value);
  expect(bmf['animatediff-tiny/deepcache/denoise']!['peak-host-memory']!.value).toBe(result.hostMemory.denoise!.peakRssBytes);
  expect(Object.keys(bmf['animatediff-tiny/deepcache/denoise']!).sort()).toEqual(['latency', 'peak-gpu-memory', 'peak-host-memory']);
  expect(bmf['animatediff-tiny/deepcache/fidelity']).toMatchObject({ 'psnr-db': { value: 31.84 }, ssim: { value: 0.9617 } });
  // Identical frames have infinite PSNR, which JSON cannot carry: that measure is left out.
  expect(Object.keys(bmf['animatediff-tiny/fme/fidelity']!).sort()).toEqual(['max-abs-error', 'ssim']);
});
