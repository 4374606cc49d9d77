import { describe, expect, it } from 'vitest';
import { calibratedRatios, interpolateRatios, MagCacheRatio, retentionSteps } from '../pipelines/mag-cache-ratio.ts';
import type { CallDecision, MagCacheParameters } from '../pipelines/types.ts';

const parameters = (ratios: number[] | null, extra: Partial<MagCacheParameters> = {}): MagCacheParameters => ({ maxSkipSteps: 3, retentionRatio: 0.2, ratios, ratiosSource: 'manifest', ...extra });
const run = (decider: MagCacheRatio, steps: number, call = 0) => Array.from({ length: steps }, (_, step) => decider.decide(call, step));

describe("MagCache's decision (diffusers' MagCacheConfig)", () => {
  it('interpolates ratios to the step count by nearest index, ties to even, and keeps the last for one step', () => {
    expect(interpolateRatios([1, 2, 3], 3)).toEqual([1, 2, 3]);
    // Indices 0, 0.5, 1, 1.5, 2 round (half to even, as torch.round) to 0, 0, 1, 2, 2.
    expect(interpolateRatios([1, 2, 3], 5)).toEqual([1, 1, 2, 3, 3]);
    expect(interpolateRatios([1, 2, 3, 4, 5], 3)).toEqual([1, 3, 5]);
    expect(interpolateRatios([1, 2, 3], 1)).toEqual([3]);
    expect(() => interpolateRatios([], 4)).toThrow(/at least one/);
  });

  it('keeps the first retentionRatio of the steps computing, rounded half up', () => {
    expect(retentionSteps(0.2, 28)).toBe(6);
    expect(retentionSteps(0.2, 8)).toBe(2);
    expect(retentionSteps(0, 8)).toBe(0);
    expect(retentionSteps(1, 8)).toBe(8);
  });

  it('skips while the accumulated error stays at or under the threshold, then computes and starts again', () => {
    const decisions = run(new MagCacheRatio(0.06, parameters([0.98]), 10, 1), 8);
    expect(decisions.map((d) => d.computed)).toEqual([true, true, false, false, true, false, false, true]);
    // Retention steps record the step's ratio only; later steps the accumulators that decided them, in float32.
    expect(decisions[0]).toEqual({ computed: true, change: Math.fround(0.98) });
    expect(decisions[2]).toMatchObject({ skipSteps: 1, accumulatedRatio: Math.fround(0.98) });
    expect(decisions[3]!.accumulated).toBeCloseTo(0.02 + (1 - 0.98 * 0.98), 6);
    expect(decisions[4]!.accumulated).toBeGreaterThan(0.06);
    expect(decisions[5]).toMatchObject({ computed: false, skipSteps: 1 });
    for (const d of decisions.slice(2)) expect(Math.fround(d.accumulated!)).toBe(d.accumulated);
  });

  it('computes once more than maxSkipSteps steps were counted, however small the error', () => {
    const decisions = run(new MagCacheRatio(0.06, parameters([1], { maxSkipSteps: 2, retentionRatio: 0 }), 8, 1), 8);
    // Step 0 has no residual to reuse yet; then two skips, a compute at the third counted step, and so on.
    expect(decisions.map((d) => d.computed)).toEqual([true, false, false, true, false, false, true, false]);
    expect(decisions[3]).toMatchObject({ skipSteps: 3, accumulated: 0 });
    expect(run(new MagCacheRatio(1e9, parameters([1], { maxSkipSteps: 0, retentionRatio: 0 }), 4, 1), 4).every((d) => d.computed)).toBe(true);
  });

  it('at threshold 0 computes every step whose accumulated ratio is not exactly 1', () => {
    expect(run(new MagCacheRatio(0, parameters([1, 1.01, 0.99, 1.02, 0.97]), 5, 1), 5).every((d) => d.computed)).toBe(true);
  });

  it('keeps one state per transformer call, and a cleared decider starts over', () => {
    const decider = new MagCacheRatio(0.06, parameters([0.98], { retentionRatio: 0 }), 4, 2);
    expect(decider.decide(0, 0).computed).toBe(true);
    expect(decider.decide(0, 1).computed).toBe(false);
    // Call 1 has computed nothing yet: no residual of its own to reuse.
    expect(decider.decide(1, 1).computed).toBe(true);
    decider.clear();
    expect(decider.decide(0, 0).computed).toBe(true);
  });

  it('calibrates: every step computes and records the mean over tokens of its residual norm over the previous one', () => {
    const decider = new MagCacheRatio(0.06, parameters(null, { calibrate: true, ratiosSource: 'calibrated' }), 3, 1);
    expect(decider.afterCompute).toBeDefined();
    expect(new MagCacheRatio(0.06, parameters([1]), 3, 1).afterCompute).toBeUndefined();
    const steps: { calls: CallDecision[] }[] = [];
    // Two tokens of width 2: token norms 5 and 1, then 10 and 3 (ratios 2 and 3, mean 2.5), then unchanged.
    for (const [step, residual] of [[3, 4, 1, 0], [6, 8, 0, 3], [6, 8, 0, 3]].entries()) {
      const decided = decider.decide(0, step);
      expect(decided.computed).toBe(true);
      steps.push({ calls: [{ call: 'batch', ...decided, ...decider.afterCompute!(0, step, Float32Array.from(residual), 2) }] });
    }
    const ratios = calibratedRatios(steps);
    expect(ratios[0]).toBe(1);
    expect(ratios[1]).toBeCloseTo(2.5, 6);
    expect(ratios[2]).toBeCloseTo(1, 6);
    expect(() => new MagCacheRatio(0.06, parameters(null), 3, 1)).toThrow(/magnitude ratios/);
  });

  it("takes the prompt's call's ratios when the pipeline calls the model per prompt", () => {
    const step = (negative: number | null, prompt: number | null) => ({ calls: [{ call: 'negative' as const, computed: true, change: negative }, { call: 'prompt' as const, computed: true, change: prompt }] });
    expect(calibratedRatios([step(null, null), step(0.9, 1.1)])).toEqual([1, 1.1]);
  });
});
