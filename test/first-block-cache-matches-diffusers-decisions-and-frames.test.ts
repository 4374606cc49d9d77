import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_TOLERANCE } from '../tools/parity/check-parity.ts';
import { checkRuntimeCacheParity, formatDecisions, recordedRuntimeCacheReference, runRuntimeCacheReference } from '../tools/parity/runtime-cache-parity.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's first-block-cache on wan-tiny against diffusers' WanPipeline with the FirstBlockCache hook, same
// weights, inputs, steps and threshold: the same calls computed or reused at every step, and the same video. The
// PyTorch run is made now where a Python with tools/export/requirements.txt is at hand, else the recorded one
// (wan-tiny/first-block-cache) stands in. The recorded settings (8 steps, threshold 0.12) make steps where both
// calls compute, where both reuse, and where they disagree.
const python = PYTORCH_PYTHON;
const fixture = join(USER_MODELS_DIR, 'wan-tiny');

describe(`wan-tiny first-block-cache against diffusers' FirstBlockCache (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, () => {
  it('computes and reuses the same calls at every step and gives the same video within 1e-3 relative', async () => {
    const reference = python ? await runRuntimeCacheReference('first-block-cache', fixture, python) : recordedRuntimeCacheReference('first-block-cache', fixture);
    try {
      const parity = await checkRuntimeCacheParity(fixture, reference);
      for (const line of formatDecisions(parity)) console.log(line);
      console.log(`max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)}; reuse changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`);
      const outcomes = (steps: { call: string; computed: boolean }[][]) => steps.map((calls) => calls.map((c) => `${c.call}:${c.computed ? 'computed' : 'reused'}`));
      expect(outcomes(parity.decisions)).toEqual(outcomes(reference.decisions));
      // The run exercises every kind of step, so agreeing is not agreeing on "always compute".
      const kinds = new Set(reference.decisions.map((calls) => calls.map((c) => c.computed).join()));
      expect(kinds).toEqual(new Set(['true,true', 'false,false', 'false,true', 'true,false']));
      // The measured changes agree too (float32 runs of the same graphs), far inside the margins the threshold leaves.
      reference.decisions.forEach((calls, i) =>
        calls.forEach((c, j) => {
          const ours = parity.decisions[i]![j]!.change;
          if (c.change === null) expect(ours).toBeNull();
          else expect(Math.abs(ours! - c.change)).toBeLessThan(1e-4);
        }),
      );
      expect(parity.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(parity.reuseChangedMaxAbs).toBeGreaterThan(100 * parity.maxAbsError);
    } finally {
      if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
    }
  }, 180_000);
});
