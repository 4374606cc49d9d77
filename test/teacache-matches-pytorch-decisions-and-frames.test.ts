import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_TOLERANCE } from '../tools/parity/check-parity.ts';
import { checkRuntimeCacheParity, formatDecisions, recordedRuntimeCacheReference, runRuntimeCacheReference, sameDecisions } from '../tools/parity/runtime-cache-parity.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's teacache on wan-tiny against TeaCache4Wan2.1's rule applied to diffusers' WanPipeline on the same
// weights and inputs (tools/parity/teacache_reference.py), with the manifest's published Wan 2.1 coefficients: the
// same calls skipped at every step and the same video. PyTorch runs now where .venv-pytorch exists, else the
// recorded run (wan-tiny/teacache) stands in. The random-weight embedding changes fast, so the recorded threshold
// (1200, on the rescaled scale) is what makes this run both skip and compute.
const python = PYTORCH_PYTHON;
const fixture = join(USER_MODELS_DIR, 'wan-tiny');

describe(`wan-tiny teacache against TeaCache's rule in PyTorch (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, () => {
  it('skips the same calls at every step, with the same accumulated change, and gives the same video within 1e-3 relative', async () => {
    const reference = python ? await runRuntimeCacheReference('teacache', fixture, python) : recordedRuntimeCacheReference('teacache', fixture);
    try {
      const parity = await checkRuntimeCacheParity(fixture, reference);
      for (const line of formatDecisions(parity)) console.log(line);
      console.log(`max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)}; reuse changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`);
      expect(sameDecisions(parity.decisions, reference.decisions)).toBe(true);
      const computed = reference.decisions.flat().map((c) => c.computed);
      expect(computed).toContain(true);
      expect(computed.slice(2, -2)).toContain(true);
      expect(computed).toContain(false);
      reference.decisions.forEach((calls, i) =>
        calls.forEach((c, j) => {
          const ours = parity.decisions[i]![j]!;
          if (c.change === null) expect(ours.change).toBeNull();
          else expect(Math.abs(ours.change! - c.change) / c.change).toBeLessThan(1e-4);
          expect(ours.accumulated === undefined).toBe(c.accumulated === undefined);
        }),
      );
      expect(parity.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(parity.reuseChangedMaxAbs).toBeGreaterThan(100 * parity.maxAbsError);
    } finally {
      if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
    }
  }, 180_000);
});
