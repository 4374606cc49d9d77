import { describe, expect, it } from 'vitest';
import { FirstBlockChange } from '../pipelines/first-block-change.ts';

// diffusers' FirstBlockCache rule on hand-made residuals: change = mean|r − r₀| / mean|r₀| with r₀ the residual of
// the call's last computed step; compute when the change exceeds the threshold.
describe('first-block change', () => {
  it('computes the first step, then reuses while the change against the last computed residual stays at or under the threshold', () => {
    const change = new FirstBlockChange(0.125, 1);
    expect(change.decide(0, 0, Float32Array.of(1, -1, 2, -2))).toEqual({ computed: true, change: null });
    // mean |Δ| = 0.5 over mean |r₀| = 1.5 → 1/3: over the threshold, computed; r₀ becomes this residual.
    expect(change.decide(0, 0, Float32Array.of(1.5, -1.5, 2.5, -2.5))).toEqual({ computed: true, change: expect.closeTo(1 / 3, 12) });
    // Against [1.5, -1.5, 2.5, -2.5] (mean 2): mean |Δ| 0.25 → 0.125, at the threshold: reused, r₀ kept.
    expect(change.decide(0, 0, Float32Array.of(1.75, -1.75, 2.75, -2.75))).toEqual({ computed: false, change: 0.125 });
    // Measured against the last computed step (0.5 / 2 = 0.25), not the reused one (0.25 / 2.25 would reuse).
    expect(change.decide(0, 0, Float32Array.of(2, -2, 3, -3))).toEqual({ computed: true, change: 0.25 });
  });

  it('keeps one reference per call, as diffusers keeps one cache state per call', () => {
    const change = new FirstBlockChange(0.1, 2);
    change.decide(0, 0, Float32Array.of(1, 1));
    expect(change.decide(1, 0, Float32Array.of(5, 5))).toEqual({ computed: true, change: null });
    expect(change.decide(0, 0, Float32Array.of(1.05, 1.05)).computed).toBe(false);
    expect(change.decide(1, 0, Float32Array.of(6, 6)).computed).toBe(true);
    expect(change.bytes()).toBe(2 * 2 * 4);
  });

  it('computes every step at threshold 0 unless the residual is unchanged', () => {
    const change = new FirstBlockChange(0, 1);
    change.decide(0, 0, Float32Array.of(1, 2));
    expect(change.decide(0, 0, Float32Array.of(1, 2.0001)).computed).toBe(true);
    expect(change.decide(0, 0, Float32Array.of(1, 2.0001))).toEqual({ computed: false, change: 0 });
  });
});
