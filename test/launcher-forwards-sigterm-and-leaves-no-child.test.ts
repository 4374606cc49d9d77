import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { startInterruptibleRun, type InterruptibleRun } from './fixtures/interruptible-run.ts';

let run: InterruptibleRun | undefined;
afterEach(() => run?.cleanup());
import { waitFor } from './fixtures/processes-with-marker.ts';

it('SIGTERM to bin/lightbench.js stops the whole run: no child left, results file valid', async () => {
  const current = await startInterruptibleRun('launcher');
  run = current;
  await current.workerStarted();
  // Children of the run that are alive now: the CLI, the variant's worker and the nvidia-smi loop at least.
  expect(current.leftovers().length).toBeGreaterThanOrEqual(3);
  current.process.kill('SIGTERM');
  const { code } = await current.exit;
  expect(code).toBe(143);
  expect(current.stderr()).toMatch(/stopped by SIGTERM/);
  // The launcher returned only after the CLI had stopped everything it started (the stubborn nvidia-smi too).
  await waitFor('every process of the run to be gone', () => current.leftovers().length === 0, 3000).catch(() => undefined);
  expect(current.leftovers()).toEqual([]);
  const files = await readdir(current.outDir).catch(() => [] as string[]);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const file of files.filter((f) => f.endsWith('.json'))) await readResultsFile(join(current.outDir, file));
});
