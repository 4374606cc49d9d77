import { readdir } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { startInterruptibleRun, type InterruptibleRun } from './fixtures/interruptible-run.ts';

let run: InterruptibleRun | undefined;
afterEach(() => run?.cleanup());

it('Ctrl-C (SIGINT) to the CLI while a variant measures leaves nothing in TMPDIR', async () => {
  const current = await startInterruptibleRun('cli');
  run = current;
  await current.workerStarted();
  // The run's frame folder exists while it measures, so an empty TMPDIR afterwards means it was removed.
  expect((await readdir(current.tmpDir)).some((name) => name.startsWith('lightbench-'))).toBe(true);
  current.process.kill('SIGINT');
  const { code } = await current.exit;
  expect(code).toBe(130);
  // Only lightbench's own folders count: tsx and the runtime keep caches of their own there.
  expect((await readdir(current.tmpDir)).filter((name) => name.startsWith('lightbench-') || name.endsWith('.f32'))).toEqual([]);
  expect(current.leftovers()).toEqual([]);
});
