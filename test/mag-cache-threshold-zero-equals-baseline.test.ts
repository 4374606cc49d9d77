import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateMagCache } from '../pipelines/mag-cache-calibration.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { MagCacheParameters, VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// MagCache at threshold 0, with ratios calibrated on the same model and inputs (none exactly 1 after the first),
// runs the block stack at every step through the head and the rest graph: the baseline video within float32
// rounding. A threshold the error never reaches, with no cap on consecutive skips, reuses every step after the
// retention steps.
const TOLERANCE = 1e-5;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const magCache = (threshold: number, magCache: MagCacheParameters): VariantConfig => ({ ...BASELINE, name: 'mag-cache', kind: 'mag-cache', runtimeCache: { method: 'mag-cache', threshold, magCache } });

describe('mag-cache on wan-tiny', () => {
  it('at threshold 0 gives the baseline video; at a threshold never reached it reuses every step after the retention steps', async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const steps = 5;
    const request = (variant: VariantConfig) => userRequest(model, variant, { steps });
    const plain = await runUser(request(BASELINE));
    const uncalibrated = request(magCache(0, { maxSkipSteps: 3, retentionRatio: 0.2, ratios: null, ratiosSource: 'calibrated' }));
    const { ratios } = await calibrateMagCache(uncalibrated, { kind: 'user', files: await prepareUserModels(uncalibrated) });
    expect(ratios).toHaveLength(steps);
    expect(ratios[0]).toBe(1);
    expect(ratios.slice(1).every((r) => r > 0 && r !== 1)).toBe(true);

    const everyStep = await runUser(request(magCache(0, { maxSkipSteps: 3, retentionRatio: 0.2, ratios, ratiosSource: 'calibrated' })));
    expect(everyStep.steps.map((s) => s.kind)).toEqual(Array(steps).fill('full'));
    expect(everyStep.steps[2]!.decision).toMatchObject({ method: 'mag-cache', threshold: 0, calls: [{ call: 'negative', computed: true, skipSteps: 1 }, { call: 'prompt', computed: true, skipSteps: 1 }] });
    expect(maxAbsDiff(everyStep.frames, plain.frames)).toBeLessThan(TOLERANCE);

    const skipping = await runUser(request(magCache(1e9, { maxSkipSteps: 1000, retentionRatio: 0.2, ratios, ratiosSource: 'calibrated' })));
    // round(0.2 · 5) = 1 retention step.
    expect(skipping.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'cached', 'cached', 'cached']);
    expect(skipping.steps.map((s) => s.decision!.calls[1]!.skipSteps)).toEqual([undefined, 1, 2, 3, 4]);
    expect(maxAbsDiff(skipping.frames, plain.frames)).toBeGreaterThan(100 * TOLERANCE);
    expect(skipping.flops.denoise!).toBeLessThan(plain.flops.denoise!);
  }, 120_000);
});
