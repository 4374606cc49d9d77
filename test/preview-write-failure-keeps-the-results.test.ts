import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readResultsFile } from '../harness/results-file.ts';
import { runSuite } from '../harness/run-suite.ts';
import { planSuite } from '../harness/suite-config.ts';
import { TEST_MODEL_DIR } from './fixtures/run-tiny-variant.ts';

it('a disk that fills up while writing preview images costs the images, not the measurements', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const planned = planSuite({ name: 'test', models: ['tiny'], variants: ['baseline', 'deepcache'], warmup: 0, repeats: 1, steps: 2, session: { intraOpThreads: 1, interOpThreads: 1 } });
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const { run, path } = await runSuite({
    planned,
    outDir,
    modelDir: TEST_MODEL_DIR,
    writeImage: async () => {
      throw full;
    },
  });
  expect(run.variants.map((v) => v.status)).toEqual(['ok', 'ok']);
  const onDisk = await readResultsFile(path);
  for (const variant of onDisk.variants) {
    expect(variant.status).toBe('ok');
    if (variant.status !== 'ok') continue;
    expect(variant.previews).toBeUndefined();
    expect(variant.previewsNote).toMatch(/preview images not written: ENOSPC: no space left on device/);
  }
  // The fidelity figures do not need the images.
  const deepcache = onDisk.variants[1];
  expect(deepcache?.status === 'ok' && deepcache.fidelity).toBeTruthy();
  expect((await readdir(outDir, { recursive: true })).filter((f) => String(f).includes('.tmp'))).toEqual([]);
});
