import { readdir } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { startInterruptibleRun } from './fixtures/interruptible-run.ts';

it('Ctrl-C (SIGINT) to the CLI while a variant measures leaves nothing in TMPDIR', async () => {
  const run = await startInterruptibleRun('cli');
  await run.workerStarted();
  // The run's frame folder exists while it measures, so an empty TMPDIR afterwards means it was removed.
  expect((await readdir(run.tmpDir)).some((name) => name.startsWith('lightbench-'))).toBe(true);
  run.process.kill('SIGINT');
  const { code } = await run.exit;
  expect(code).toBe(130);
  // Only lightbench's own folders count: tsx and the runtime keep caches of their own there.
  expect((await readdir(run.tmpDir)).filter((name) => name.startsWith('lightbench-') || name.endsWith('.f32'))).toEqual([]);
  expect(run.leftovers()).toEqual([]);
});
