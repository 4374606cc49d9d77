import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { startInterruptibleRun } from './fixtures/interruptible-run.ts';
import { waitFor } from './fixtures/processes-with-marker.ts';

it('SIGTERM to bin/lightbench.js stops the whole run: no child left, results file valid', async () => {
  const run = await startInterruptibleRun('launcher');
  await run.workerStarted();
  // Children of the run that are alive now: the CLI, the variant's worker and the nvidia-smi loop at least.
  expect(run.leftovers().length).toBeGreaterThanOrEqual(3);
  run.process.kill('SIGTERM');
  const { code } = await run.exit;
  expect(code).toBe(143);
  expect(run.stderr()).toMatch(/stopped by SIGTERM/);
  // The launcher returned only after the CLI had stopped everything it started (the stubborn nvidia-smi too).
  await waitFor('every process of the run to be gone', () => run.leftovers().length === 0, 3000).catch(() => undefined);
  expect(run.leftovers()).toEqual([]);
  const files = await readdir(run.outDir).catch(() => [] as string[]);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const file of files.filter((f) => f.endsWith('.json'))) await readResultsFile(join(run.outDir, file));
});
