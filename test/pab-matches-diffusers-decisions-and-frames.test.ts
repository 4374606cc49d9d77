import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_TOLERANCE } from '../tools/parity/check-parity.ts';
import { checkPabParity, pabOutcomes, recordedPabReference, runPabReference } from '../tools/parity/pab-parity.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's pab on wan-tiny against diffusers' WanPipeline with the Pyramid Attention Broadcast hook, same
// weights, inputs, steps and config: every attention kind computed or broadcast at the same calls, and the same
// video. The PyTorch run is made now where a Python with tools/export/requirements.txt is at hand, else the
// recorded one (wan-tiny/pab) stands in. The recorded config (8 steps; spatial every 3rd call inside (100, 960),
// cross every 2nd inside (100, 800)) makes steps out of range, calls that broadcast the other call's fresh output,
// calls that broadcast an output of an earlier step, and steps where the two calls disagree.
const python = PYTORCH_PYTHON;
const fixture = join(USER_MODELS_DIR, 'wan-tiny');

describe(`wan-tiny pab against diffusers' Pyramid Attention Broadcast (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, () => {
  it('computes and broadcasts the same attention kinds at every call and gives the same video within 1e-3 relative', async () => {
    const reference = python ? await runPabReference(fixture, python) : recordedPabReference(fixture);
    try {
      const parity = await checkPabParity(fixture, reference);
      console.log(`max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)}; broadcasting changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`);
      expect(pabOutcomes(parity.decisions)).toEqual(pabOutcomes(reference.decisions));
      // Both kinds are broadcast somewhere and computed somewhere, and out-of-range steps occur.
      const attention = reference.decisions.flat().flatMap((c) => c.attention ?? []);
      for (const kind of ['spatial', 'cross']) {
        expect(attention.some((a) => a.kind === kind && !a.computed)).toBe(true);
        expect(attention.some((a) => a.kind === kind && a.computed && a.inTimestepRange)).toBe(true);
        expect(attention.some((a) => a.kind === kind && !a.inTimestepRange)).toBe(true);
      }
      expect(new Set(reference.decisions.map((calls) => calls.map((c) => c.computed).join()))).toEqual(new Set(['true,true', 'false,false', 'true,false', 'false,true']));
      expect(parity.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(parity.reuseChangedMaxAbs).toBeGreaterThan(100 * parity.maxAbsError);
      expect(parity.cacheBytes).toBeGreaterThan(0);
    } finally {
      if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
    }
  }, 180_000);
});
