import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateMagCache } from '../pipelines/mag-cache-calibration.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { PARITY_TOLERANCE } from '../tools/parity/check-parity.ts';
import { checkRuntimeCacheParity, formatDecisions, parityRequest, recordedRuntimeCacheReference, runRuntimeCacheReference } from '../tools/parity/runtime-cache-parity.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// lightbench's mag-cache on wan-tiny against diffusers' WanPipeline with the MagCache hook, same weights, inputs,
// steps and parameters (diffusers' defaults: threshold 0.06, max_skip_steps 3, retention_ratio 0.2), with the ratios
// diffusers' calibration measured for the prompt's call: the same calls computed or reused at every step, the same
// accumulated error, and the same video. lightbench's own calibration of the same model and inputs measures the same
// ratios. The PyTorch run is made now where a Python with tools/export/requirements.txt is at hand, else the
// recorded one (wan-tiny/mag-cache) stands in. At 8 steps the run computes in the retention steps, reuses on the
// ratios, and computes again when max_skip_steps is passed.
const python = PYTORCH_PYTHON;
const fixture = join(USER_MODELS_DIR, 'wan-tiny');

describe(`wan-tiny mag-cache against diffusers' MagCache (${python ? 'PyTorch run now' : 'recorded PyTorch run'})`, () => {
  it('calibrates the same ratios, computes and reuses the same calls at every step and gives the same video within 1e-3 relative', async () => {
    const reference = python ? await runRuntimeCacheReference('mag-cache', fixture, python) : recordedRuntimeCacheReference('mag-cache', fixture);
    try {
      const mag = reference.magCache!;
      const parity = await checkRuntimeCacheParity(fixture, reference);
      for (const line of formatDecisions(parity)) console.log(line);
      console.log(`max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)}; reuse changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`);
      const outcomes = (steps: { call: string; computed: boolean }[][]) => steps.map((calls) => calls.map((c) => `${c.call}:${c.computed ? 'computed' : 'reused'}`));
      expect(outcomes(parity.decisions)).toEqual(outcomes(reference.decisions));
      // Both outcomes occur, and a compute after reuse (max_skip_steps or the threshold), so agreeing is not agreeing on one rule.
      const computed = reference.decisions.map((calls) => calls[1]!.computed);
      expect(computed).toContain(false);
      expect(computed.slice(computed.indexOf(false))).toContain(true);
      reference.decisions.forEach((calls, i) =>
        calls.forEach((c, j) => {
          const ours = parity.decisions[i]![j]!;
          expect(ours.change).toBeCloseTo(c.change!, 6);
          expect(ours.skipSteps).toBe(c.skipSteps);
          if (c.accumulated === undefined) expect(ours.accumulated).toBeUndefined();
          else expect(Math.abs(ours.accumulated! - c.accumulated)).toBeLessThan(1e-6);
        }),
      );
      expect(parity.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(parity.reuseChangedMaxAbs).toBeGreaterThan(100 * parity.maxAbsError);

      // lightbench's calibration pass (every step computes; mean per-token norm ratio of the stack's residual).
      const model = await loadDitManifest(join(fixture, 'manifest.json'));
      const variant: VariantConfig = {
        name: 'mag-cache',
        kind: 'mag-cache',
        cache: null,
        chunks: null,
        sliceFrames: null,
        swap: false,
        runtimeCache: { method: 'mag-cache', threshold: reference.threshold, magCache: { maxSkipSteps: mag.maxSkipSteps, retentionRatio: mag.retentionRatio, ratios: null, ratiosSource: 'calibrated' } },
      };
      const request = parityRequest(fixture, model, variant, reference.steps, join(tmpdir(), 'lightbench-parity-models'));
      const { ratios } = await calibrateMagCache(request, { kind: 'user', files: await prepareUserModels(request) });
      console.log(`calibrated ratios: lightbench ${ratios.map((r) => r.toFixed(6)).join(', ')} | diffusers ${mag.calibrated.prompt!.map((r) => r.toFixed(6)).join(', ')}`);
      expect(ratios).toHaveLength(reference.steps);
      ratios.forEach((r, i) => expect(Math.abs(r - mag.calibrated.prompt![i]!)).toBeLessThan(1e-5));
    } finally {
      if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
    }
  }, 180_000);
});
