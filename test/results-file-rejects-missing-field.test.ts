import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { readResultsFile, writeResultsFile } from '../harness/results-file.ts';
import type { RunResult } from '../harness/results-schema.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function withoutDenoiseMedian(): { run: RunResult; index: number } {
  const run = makeExampleRun();
  const index = 2;
  const variant = run.variants[index]!;
  if (variant.status !== 'ok') throw new Error('example variant 2 is expected to be ok');
  delete (variant.stages.denoise as Partial<typeof variant.stages.denoise>).medianMs;
  return { run, index };
}

it('reading a file with a missing field names the file and the field path', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const { run, index } = withoutDenoiseMedian();
  const path = join(dir, 'x.json');
  await writeFile(path, JSON.stringify(run));
  const error = await readResultsFile(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HarnessError);
  expect((error as HarnessError).code).toBe('results-invalid');
  expect((error as HarnessError).message).toBe(`${path}: variants[${index}].stages.denoise.medianMs: missing, expected number`);
});

it('writing a run with a missing field is refused before a file exists', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const { run, index } = withoutDenoiseMedian();
  const path = join(dir, 'x.json');
  const error = await writeResultsFile(path, run).catch((e: unknown) => e);
  expect((error as HarnessError).code).toBe('results-invalid');
  expect((error as HarnessError).message).toContain(`variants[${index}].stages.denoise.medianMs: missing`);
  expect(existsSync(path)).toBe(false);
});
