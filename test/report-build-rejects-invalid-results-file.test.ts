import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { buildReport } from '../harness/command-report.ts';
import { HarnessError } from '../harness/harness-error.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const CLI = fileURLToPath(new URL('../bin/lightbench.js', import.meta.url));
let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function resultsWithOneBrokenFile(): Promise<{ results: string; broken: string }> {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-report-invalid-'));
  const results = join(dir, 'results');
  await writeResultsFile(join(results, 'good-run.json'), makeExampleRun({ runId: 'good-run' }));
  const bad = makeExampleRun({ runId: 'broken-run', startedAt: '2025-06-03T09:00:00.000Z' }) as unknown as { variants: { stages: { total: { medianMs: unknown } } }[] };
  bad.variants[1]!.stages.total.medianMs = 'fast';
  const broken = join(results, 'broken-run.json');
  await writeFile(broken, JSON.stringify(bad));
  return { results, broken };
}

it('fails the build naming the file and the field, and builds nothing', async () => {
  const { results, broken } = await resultsWithOneBrokenFile();
  const out = join(dir, 'site');
  const failure = await buildReport({ resultsDir: results, outDir: out }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(HarnessError);
  expect((failure as HarnessError).code).toBe('results-invalid');
  expect((failure as HarnessError).message).toContain(`${broken}: variants[1].stages.total.medianMs: expected number, got string`);
  expect((failure as HarnessError).message).not.toContain('good-run.json');
  expect(existsSync(out)).toBe(false);
});

it('makes `lightbench report` exit 2 with that message', async () => {
  const { results, broken } = await resultsWithOneBrokenFile();
  const run = spawnSync(process.execPath, [CLI, 'report', '--results', results, '--out', join(dir, 'site')], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`${broken}: variants[1].stages.total.medianMs`);
});
