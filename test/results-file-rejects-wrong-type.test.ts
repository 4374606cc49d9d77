import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { parseRunResult, readResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Mutable JSON view of the example run, as a reader would find it on disk.
function exampleJson(): any {
  return JSON.parse(JSON.stringify(makeExampleRun()));
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as HarnessError).message;
  }
  throw new Error('expected a rejection');
}

it('a string where a number belongs is reported with file, path, expected and found type', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const data = exampleJson();
  data.variants[2].stages.denoise.medianMs = String(data.variants[2].stages.denoise.medianMs);
  const path = join(dir, 'x.json');
  await writeFile(path, JSON.stringify(data));
  const error = (await readResultsFile(path).catch((e: unknown) => e)) as HarnessError;
  expect(error.code).toBe('results-invalid');
  expect(error.message).toBe(`${path}: variants[2].stages.denoise.medianMs: expected number, got string`);
});

it('negative bytes and fractional bytes are rejected with the value found', () => {
  const data = exampleJson();
  data.variants[0].hostMemory.denoise.peakRssBytes = -1;
  data.variants[1].cache.peakBytes = 1.5;
  const message = messageOf(() => parseRunResult(data, 'results/y.json'));
  expect(message.split('\n')).toEqual([
    'results/y.json: variants[0].hostMemory.denoise.peakRssBytes: expected a number >= 0, got -1',
    'results/y.json: variants[1].cache.peakBytes: expected integer, got 1.5',
  ]);
});

it('an unknown enum value names the allowed values', () => {
  const data = exampleJson();
  data.suite.device = 'tpu';
  data.variants[3].status = 'skipped';
  const lines = messageOf(() => parseRunResult(data, 'r.json')).split('\n');
  expect(lines).toContain('r.json: suite.device: expected "cpu" | "cuda" | "webgpu" | "auto", got "tpu"');
  expect(lines).toContain('r.json: variants[3].status: expected "ok" | "error", got "skipped"');
});
