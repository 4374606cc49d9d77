import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { readResultsDir, writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('returns valid runs in name order and one error per unusable file', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const later = makeExampleRun({ runId: 'run-b', startedAt: '2025-06-03T10:00:00.000Z', timeScale: 1.1 });
  const earlier = makeExampleRun({ runId: 'run-a' });
  await writeResultsFile(join(dir, 'run-b.json'), later);
  await writeResultsFile(join(dir, 'run-a.json'), earlier);
  await writeFile(join(dir, 'run-c.json'), JSON.stringify({ ...earlier, runId: 'run-c', schemaVersion: 99 }));
  await writeFile(join(dir, 'run-d.json'), '{"schemaVersion": 1, ');
  await writeFile(join(dir, 'run-e.json'), JSON.stringify(earlier));
  await writeFile(join(dir, 'notes.txt'), 'not a result');
  await writeFile(join(dir, '.run-f.json.123.tmp'), '{');

  const { runs, errors } = await readResultsDir(dir);

  expect(runs.map((r) => [r.file, r.run.runId])).toEqual([
    [join(dir, 'run-a.json'), 'run-a'],
    [join(dir, 'run-b.json'), 'run-b'],
  ]);
  expect(runs[1]!.run).toEqual(later);
  expect(errors.map((e) => [e.file, e.error.code])).toEqual([
    [join(dir, 'run-c.json'), 'schema-version'],
    [join(dir, 'run-d.json'), 'results-json'],
    [join(dir, 'run-e.json'), 'duplicate-run-id'],
  ]);
  expect(errors[2]!.error.message).toContain(join(dir, 'run-a.json'));
});

it('a missing directory is an error naming it', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const missing = join(dir, 'nope');
  const error = (await readResultsDir(missing).catch((e: unknown) => e)) as HarnessError;
  expect(error.code).toBe('results-dir');
  expect(error.message).toContain(missing);
});
