import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildReport } from '../harness/command-report.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Astro empties its output folder before it builds; a mistyped --out must not cost anyone their files.
it('refuses an output folder that holds other files, or the results themselves', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-report-out-'));
  const results = join(dir, 'results');
  await writeResultsFile(join(results, 'run.json'), makeExampleRun({ runId: 'run' }));
  const foreign = join(dir, 'documents');
  await mkdir(foreign);
  await writeFile(join(foreign, 'thesis.tex'), 'precious');

  await expect(buildReport({ resultsDir: results, outDir: foreign })).rejects.toThrow(/not empty and is not a lightbench report/);
  expect(existsSync(join(foreign, 'thesis.tex'))).toBe(true);
  await expect(buildReport({ resultsDir: results, outDir: dir })).rejects.toThrow(/would hold the results/);
  await expect(buildReport({ resultsDir: results, outDir: results })).rejects.toThrow(/would hold the results/);
  expect(existsSync(join(results, 'run.json'))).toBe(true);
});
