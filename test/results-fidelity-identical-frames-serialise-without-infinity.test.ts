import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { readResultsFile, writeResultsFile } from '../harness/results-file.ts';
import { FidelitySchema, toFidelity } from '../harness/results-schema.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('infinite PSNR of identical frames becomes psnrDb null with identical true', () => {
  expect(toFidelity({ psnrDb: Number.POSITIVE_INFINITY, ssim: 1, maxAbsError: 0 })).toEqual({
    identical: true,
    psnrDb: null,
    ssim: 1,
    maxAbsError: 0,
    reference: 'baseline',
  });
  expect(toFidelity({ psnrDb: 42.5, ssim: 0.99, maxAbsError: 0.01 }).psnrDb).toBe(42.5);
});

it('toFidelity refuses NaN and an infinite PSNR of frames that differ', () => {
  const codeOf = (m: { psnrDb: number; ssim: number; maxAbsError: number }) => {
    try {
      toFidelity(m);
      return 'accepted';
    } catch (error) {
      return (error as HarnessError).code;
    }
  };
  expect(codeOf({ psnrDb: Number.NaN, ssim: 1, maxAbsError: 0 })).toBe('fidelity-not-finite');
  expect(codeOf({ psnrDb: Number.POSITIVE_INFINITY, ssim: 1, maxAbsError: 0.5 })).toBe('fidelity-inconsistent');
});

it('the schema only accepts the two consistent forms', () => {
  const base = { ssim: 1, reference: 'baseline' };
  expect(FidelitySchema.safeParse({ ...base, identical: true, psnrDb: null, maxAbsError: 0 }).success).toBe(true);
  expect(FidelitySchema.safeParse({ ...base, identical: false, psnrDb: null, maxAbsError: 0.1 }).success).toBe(false);
  expect(FidelitySchema.safeParse({ ...base, identical: true, psnrDb: null, maxAbsError: 0.1 }).success).toBe(false);
  expect(FidelitySchema.safeParse({ ...base, identical: false, psnrDb: Number.POSITIVE_INFINITY, maxAbsError: 0.1 }).success).toBe(false);
});

it('identical frames survive a write and read as null, and a raw Infinity is refused with its path', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const run = makeExampleRun();
  const index = run.variants.findIndex((v) => v.status === 'ok' && v.fidelity?.identical === true);
  expect(index).toBeGreaterThan(0);
  const path = join(dir, 'run.json');
  await writeResultsFile(path, run);
  expect(JSON.parse(await readFile(path, 'utf8')).variants[index].fidelity.psnrDb).toBeNull();
  expect(await readResultsFile(path)).toEqual(run);

  const broken = makeExampleRun();
  const variant = broken.variants[1]!;
  if (variant.status !== 'ok' || !variant.fidelity || variant.fidelity.identical) throw new Error('example variant 1 is expected to differ from the baseline');
  variant.fidelity.psnrDb = Number.POSITIVE_INFINITY;
  const error = (await writeResultsFile(join(dir, 'broken.json'), broken).catch((e: unknown) => e)) as HarnessError;
  expect(error.message).toBe(`refusing to write ${join(dir, 'broken.json')}: variants[1].fidelity.psnrDb: expected number, got Infinity`);
});
