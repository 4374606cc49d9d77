import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { readResultsFile, writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a refused write leaves the existing file byte for byte and no temporary file', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const path = join(dir, 'run.json');
  await writeFile(path, 'previous contents\n');
  const run = makeExampleRun();
  (run as { runId: string }).runId = 'has a space';
  const error = (await writeResultsFile(path, run).catch((e: unknown) => e)) as HarnessError;
  expect(error.code).toBe('results-invalid');
  expect(error.message).toBe(`refusing to write ${path}: runId: expected a file-name-safe id, got "has a space"`);
  expect(await readFile(path, 'utf8')).toBe('previous contents\n');
  expect(await readdir(dir)).toEqual(['run.json']);
});

it('a failed rename removes the temporary file and leaves the target alone', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  // A non-empty directory where the file should go: everything up to the rename succeeds, the rename cannot.
  const path = join(dir, 'run.json');
  await mkdir(path);
  await writeFile(join(path, 'keep.txt'), 'kept');
  const error = (await writeResultsFile(path, makeExampleRun()).catch((e: unknown) => e)) as HarnessError;
  expect(error.code).toBe('results-write');
  expect(error.message).toContain(`could not write ${path}`);
  expect(await readdir(dir)).toEqual(['run.json']);
  expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('kept');
});

it('a successful write replaces the old file whole and leaves nothing beside it', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const path = join(dir, 'run.json');
  await writeResultsFile(path, makeExampleRun({ timeScale: 2 }));
  const second = makeExampleRun({ repeats: 2 });
  await writeResultsFile(path, second);
  expect(await readResultsFile(path)).toEqual(second);
  expect(await readdir(dir)).toEqual(['run.json']);
});

it('a non-finite number in a free-form part is refused with its path', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const path = join(dir, 'run.json');
  const run = makeExampleRun();
  run.suite.scheduler.betaEnd = Number.NaN;
  const error = (await writeResultsFile(path, run).catch((e: unknown) => e)) as HarnessError;
  expect(error.code).toBe('results-not-json');
  expect(error.message).toBe(`refusing to write ${path}: suite.scheduler.betaEnd: NaN cannot be written as JSON`);
  expect(await readdir(dir)).toEqual([]);
});
