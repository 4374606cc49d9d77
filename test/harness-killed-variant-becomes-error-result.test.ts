import { describe, expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

describe('a variant whose child is killed mid-run', () => {
  it('becomes an error result naming the limit, and the other variants survive in the file', async () => {
    const { run, path } = await runTinySuite(
      { variants: ['baseline', 'deepcache', 'lightcache-slice'], maxRssBytes: 1200 * 2 ** 20 },
      { LIGHTBENCH_WORKER_FAULT: 'allocate:deepcache:2000' },
    );
    const byName = Object.fromEntries(run.variants.map((v) => [v.variant.name, v]));
    expect(byName.baseline?.status).toBe('ok');
    expect(byName['lightcache-slice']?.status).toBe('ok');
    const failed = byName.deepcache!;
    expect(failed.status).toBe('error');
    if (failed.status !== 'error') return;
    expect(failed.error.code).toBe('memory-limit');
    expect(failed.error.signal).toBe('SIGKILL');
    expect(failed.error.message).toMatch(/over the limit of 1200 MiB/);
    expect(failed.partial?.lastStage).toBe('denoise');
    const onDisk = await readResultsFile(path);
    expect(onDisk.variants.map((v) => `${v.variant.name}:${v.status}`)).toEqual(['baseline:ok', 'deepcache:error', 'lightcache-slice:ok']);
  });
});
