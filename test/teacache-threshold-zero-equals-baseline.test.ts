import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSuite, loadUserModels } from '../harness/suite-config.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// TeaCache at threshold 0 runs the block stack at every step, through the head (patch and condition embedding)
// and the rest graph: the baseline video within float32 rounding. A threshold the accumulated change does not
// reach skips every step but the first and the last, adding the stack's kept residual to the stack's input.
const TOLERANCE = 1e-5;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const teacache = (threshold: number): VariantConfig => ({ ...BASELINE, name: 'teacache', kind: 'teacache', runtimeCache: { method: 'teacache', threshold } });

describe('teacache on wan-tiny', () => {
  it('at threshold 0 gives the baseline video; at a threshold never reached it skips the middle steps', async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
    const run = (variant: VariantConfig) => runUser(userRequest(model, variant, { steps: 5 }));
    const plain = await run(BASELINE);
    const everyStep = await run(teacache(0));
    expect(everyStep.steps.map((s) => s.kind)).toEqual(['full', 'full', 'full', 'full', 'full']);
    expect(everyStep.steps[1]!.decision).toMatchObject({ method: 'teacache', threshold: 0, calls: [{ call: 'negative', computed: true }, { call: 'prompt', computed: true }] });
    expect(maxAbsDiff(everyStep.frames, plain.frames)).toBeLessThan(TOLERANCE);

    const skipping = await run(teacache(1e9));
    expect(skipping.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'cached', 'cached', 'full']);
    const accumulated = skipping.steps.slice(1, 4).map((s) => s.decision!.calls[0]!.accumulated!);
    expect(accumulated[2]).toBeGreaterThan(accumulated[0]!);
    expect(maxAbsDiff(skipping.frames, plain.frames)).toBeGreaterThan(100 * TOLERANCE);
    expect(skipping.flops.denoise!).toBeLessThan(plain.flops.denoise!);
  });

  it('is refused on a manifest that gives no TeaCache measure, naming the field', async () => {
    const path = join(USER_MODELS_DIR, 'easyanimate-tiny', 'manifest.json');
    const file = { models: [path], variants: ['teacache' as const] };
    await expect(async () => planSuite(file, {}, await loadUserModels(file))).rejects.toThrow(/teacache runs on .* denoiser\.teaCache .* model easyanimate-tiny is not one/);
  });
});
