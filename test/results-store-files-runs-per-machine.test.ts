import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-history.ts';
import { HarnessError } from '../harness/harness-error.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { addToStore, readStore } from '../reports/results-store.ts';
import type { HistorySeries } from '../reports/types.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('files runs under their machine fingerprint with a machine.json, and reads them back', async () => {
  const store = await mkdtemp(join(tmpdir(), 'lightbench-store-'));
  const cpu = makeExampleRun({ runId: 'cpu-1' });
  const gpu = makeExampleRun({ runId: 'gpu-1', device: 'cuda' });
  expect(await addToStore(store, cpu)).toMatchObject({ status: 'added', fingerprint: 'c0d5a4e1b9f27736' });
  await addToStore(store, gpu);
  expect((await readdir(store)).sort()).toEqual(['7f3e91a0c2d84b56', 'c0d5a4e1b9f27736']);
  expect((await readdir(join(store, 'c0d5a4e1b9f27736'))).sort()).toEqual(['cpu-1.json', 'machine.json']);
  const machine = JSON.parse(await readFile(join(store, '7f3e91a0c2d84b56', 'machine.json'), 'utf8'));
  expect(machine).toMatchObject({ fingerprint: '7f3e91a0c2d84b56', hostnames: ['bench-h100-1'], gpus: [{ name: 'NVIDIA H100 80GB HBM3' }] });

  const second = makeExampleRun({ runId: 'cpu-2' });
  second.context.machine.hostname = 'bench-cpu-2';
  await addToStore(store, second);
  expect(JSON.parse(await readFile(join(store, 'c0d5a4e1b9f27736', 'machine.json'), 'utf8')).hostnames).toEqual(['bench-cpu-1', 'bench-cpu-2']);

  const contents = await readStore(store);
  expect(contents.problems).toEqual([]);
  expect(contents.runs.map((r) => r.run.runId).sort()).toEqual(['cpu-1', 'cpu-2', 'gpu-1']);
  expect(contents.machines.map((m) => m.fingerprint)).toEqual(['7f3e91a0c2d84b56', 'c0d5a4e1b9f27736']);
});

it('filing the same run twice changes nothing; a different run under the same runId is refused', async () => {
  const store = await mkdtemp(join(tmpdir(), 'lightbench-store-'));
  await addToStore(store, makeExampleRun({ runId: 'r1' }));
  expect(await addToStore(store, makeExampleRun({ runId: 'r1' }))).toMatchObject({ status: 'unchanged' });
  const error = await addToStore(store, makeExampleRun({ runId: 'r1', jitterSeed: 5 })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HarnessError);
  expect((error as HarnessError).code).toBe('store-conflict');
});

it('a run filed under the wrong machine folder is reported, not read as that machine', async () => {
  const store = await mkdtemp(join(tmpdir(), 'lightbench-store-'));
  await addToStore(store, makeExampleRun({ runId: 'r1' }));
  await writeResultsFile(join(store, 'c0d5a4e1b9f27736', 'intruder.json'), makeExampleRun({ runId: 'intruder', device: 'cuda' }));
  const { runs, problems } = await readStore(store);
  expect(runs.map((r) => r.run.runId)).toEqual(['r1']);
  expect(problems.map((p) => p.error.code)).toEqual(['store-misfiled']);
});

it('`lightbench history --store DIR --add FILE` files runs and reports their series as JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-history-'));
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const file = join(dir, `run-${i}.json`);
    await writeResultsFile(file, makeExampleRun({ runId: `run-${i}`, startedAt: `2025-06-0${i + 1}T02:00:00.000Z`, jitterSeed: i + 1 }));
    files.push(file);
  }
  const out = join(dir, 'history.json');
  expect(await main(['--store', join(dir, 'store'), '--add', ...files, '--format', 'json', '--out', out])).toBe(0);
  const series = JSON.parse(await readFile(out, 'utf8')) as HistorySeries[];
  expect(series[0]!.points.map((p) => p.runId)).toEqual(['run-0', 'run-1', 'run-2']);
  expect((await readdir(join(dir, 'store', 'c0d5a4e1b9f27736'))).sort()).toEqual(['machine.json', 'run-0.json', 'run-1.json', 'run-2.json']);
  await writeFile(join(dir, 'not-a-run.txt'), 'x');
  await expect(main(['--add', files[0]!])).rejects.toThrow(/give --store DIR/);
});
