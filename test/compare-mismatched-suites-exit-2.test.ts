import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { compareRuns } from '../reports/compare-runs.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const bin = fileURLToPath(new URL('../bin/lightbench.js', import.meta.url));

it('runs with different steps make `lightbench compare` exit 2 naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-compare-'));
  const head = makeExampleRun({ runId: 'head' });
  head.suite.steps = 16;
  await writeResultsFile(join(dir, 'a.json'), makeExampleRun({ runId: 'base' }));
  await writeResultsFile(join(dir, 'b.json'), head);
  const result = spawnSync(process.execPath, [bin, 'compare', join(dir, 'a.json'), join(dir, 'b.json')], { encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('BASE and HEAD differ in suite.steps: BASE 8, HEAD 16');
  expect(result.stdout).toBe('');
});

it.each([
  ['suite.name', (r: ReturnType<typeof makeExampleRun>) => void (r.suite.name = 'nightly')],
  ['suite.models', (r: ReturnType<typeof makeExampleRun>) => void (r.suite.models = ['animatediff-tiny'])],
  ['suite.frames', (r: ReturnType<typeof makeExampleRun>) => void (r.suite.frames = 16)],
])('a different %s is a mismatched-runs error naming it', (field, change) => {
  const head = makeExampleRun({ runId: 'head' });
  change(head);
  if (field === 'suite.models') head.variants = head.variants.filter((v) => v.model === 'animatediff-tiny');
  try {
    compareRuns([makeExampleRun({ runId: 'base' })], [head]);
    expect.unreachable('compareRuns accepted mismatched runs');
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('mismatched-runs');
    expect((error as HarnessError).message).toContain(`differ in ${field}`);
  }
});

it('a CPU run against a CUDA run is refused as a different device', () => {
  expect(() => compareRuns([makeExampleRun({ runId: 'base' })], [makeExampleRun({ runId: 'head', device: 'cuda' })])).toThrow(/differ in suite\.device: BASE "cpu", HEAD "cuda"/);
});
