import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-export.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { GithubBenchmarkEntriesSchema } from '../reports/export-checkers.ts';
import { toGithubActionBenchmark } from '../reports/export-github-action-benchmark.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/exports/${name}`, import.meta.url), 'utf8')) as unknown;

it.each(['gab-readme-example.json', 'gab-action-test-data-custom-smaller-is-better.json'])('the documented example %s passes the checker', (name) => {
  expect(GithubBenchmarkEntriesSchema.safeParse(fixture(name)).success).toBe(true);
});

it('the checker refuses what the documentation rules out', () => {
  expect(GithubBenchmarkEntriesSchema.safeParse([{ name: 'a', value: 1 }]).success).toBe(false);
  expect(GithubBenchmarkEntriesSchema.safeParse([{ name: 'a', unit: 'ms', value: '1' }]).success).toBe(false);
  expect(GithubBenchmarkEntriesSchema.safeParse([]).success).toBe(false);
});

it('`lightbench export --format gab` writes customSmallerIsBetter entries with unique names and smaller-is-better figures only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-export-'));
  const run = makeExampleRun({ device: 'cuda' });
  await writeResultsFile(join(dir, 'run.json'), run);
  expect(await main([join(dir, 'run.json'), '--format', 'gab', '--out', join(dir, 'gab.json')])).toBe(0);
  const written = JSON.parse(await readFile(join(dir, 'gab.json'), 'utf8')) as unknown;
  const parsed = GithubBenchmarkEntriesSchema.parse(written);
  expect(parsed).toEqual(toGithubActionBenchmark(run));
  expect(new Set(parsed.map((e) => e.name)).size).toBe(parsed.length);
  expect(parsed.some((e) => /psnr|ssim/i.test(e.name))).toBe(false);
  const total = parsed.find((e) => e.name === 'svd-tiny/lightcache/total time')!;
  const result = run.variants.find((v) => v.model === 'svd-tiny' && v.variant.name === 'lightcache')!;
  if (result.status !== 'ok') throw new Error('expected an ok result');
  expect(total).toMatchObject({ unit: 'ms', value: Math.round(result.stages.total.medianMs * 1000) / 1000 });
  expect(total.range).toMatch(/^± \d+(\.\d+)?$/);
  expect(parsed.filter((e) => e.name.includes('peak GPU memory')).length).toBe(9 * 5);
  // The failed pair has no figures.
  expect(parsed.some((e) => e.name.startsWith('svd-tiny/fme/'))).toBe(false);
});
