import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsDir } from '../harness/results-file.ts';
import { addToStore } from '../reports/results-store.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

describe('reading results', () => {
  it('takes a results store (one folder per machine with machine.json) as well as a flat folder', async () => {
    const store = await mkdtemp(join(tmpdir(), 'lightbench-store-'));
    await addToStore(store, makeExampleRun({ runId: 'run-a', startedAt: '2026-11-01T10:00:00.000Z' }));
    await addToStore(store, makeExampleRun({ runId: 'run-b', startedAt: '2026-11-02T10:00:00.000Z', device: 'cuda' }));
    // Preview folders beside results files hold no machine.json and are not read.
    await mkdir(join(store, 'run-a'), { recursive: true });
    await writeFile(join(store, 'run-a', 'note.json'), '{}');
    const { runs, errors } = await readResultsDir(store);
    expect(errors).toEqual([]);
    expect(runs.map((r) => r.run.runId).sort()).toEqual(['run-a', 'run-b']);
  });
});
