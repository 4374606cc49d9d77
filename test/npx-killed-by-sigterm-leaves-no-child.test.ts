import { afterEach, expect, it } from 'vitest';
import { startInterruptibleRun, type InterruptibleRun } from './fixtures/interruptible-run.ts';

let run: InterruptibleRun | undefined;
afterEach(() => run?.cleanup());
import { waitFor } from './fixtures/processes-with-marker.ts';

it('SIGTERM to npx, which ends npm and its shell but not the launcher, still stops the whole run', async () => {
  const current = await startInterruptibleRun('npx');
  run = current;
  await current.workerStarted();
  current.process.kill('SIGTERM');
  await current.exit;
  // The launcher notices its parent is gone and stops the CLI, which stops everything it started.
  await waitFor('every process of the run to be gone', () => current.leftovers().length === 0, 10_000).catch(() => undefined);
  expect(current.leftovers()).toEqual([]);
});
