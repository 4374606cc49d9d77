import { describe, expect, it } from 'vitest';
import { TeaCacheChange, polynomial } from '../pipelines/teacache-change.ts';

// TeaCache's rule on hand-made embeddings, with the identity polynomial [1, 0] (rescaled change = relative L1):
// the change since the previous step (computed or not) accumulates; the blocks are skipped while the sum stays
// under the threshold and run when it reaches it, which starts the sum again; first and last steps always run.
describe('TeaCache change', () => {
  it('evaluates the rescaling polynomial highest power first, as numpy.poly1d does', () => {
    expect(polynomial([2.39676752e3, -1.31110545e3, 2.01331979e2, -8.29855975, 1.37887774e-1], 0.1)).toBeCloseTo(2.39676752e3 * 1e-4 - 1.31110545e3 * 1e-3 + 2.01331979 - 0.829855975 + 0.137887774, 9);
    expect(polynomial([3], 7)).toBe(3);
  });

  it('accumulates changes against the previous step and runs the blocks when the sum reaches the threshold', () => {
    const tea = new TeaCacheChange('temb', 0.3, [1, 0], 6, 1);
    const e = (v: number) => Float32Array.of(v, -v);
    expect(tea.decide(0, 0, e(1))).toEqual({ computed: true, change: null });
    // 1 → 1.125: 0.125, under 0.3: skipped.
    expect(tea.decide(0, 1, e(1.125))).toEqual({ computed: false, change: 0.125, accumulated: 0.125 });
    // 1.125 → 1.3125 (against the previous step, not the last computed one): 0.1666…, sum 0.2916…: skipped.
    expect(tea.decide(0, 2, e(1.3125))).toEqual({ computed: false, change: expect.closeTo(1 / 6, 9), accumulated: expect.closeTo(0.125 + 1 / 6, 9) });
    // 1.3125 → 1.640625: 0.25, sum 0.5416…: reaches 0.3, the blocks run and the sum restarts.
    expect(tea.decide(0, 3, e(1.640625))).toEqual({ computed: true, change: 0.25, accumulated: expect.closeTo(0.125 + 1 / 6 + 0.25, 9) });
    expect(tea.decide(0, 4, e(1.640625))).toEqual({ computed: false, change: 0, accumulated: 0 });
    // The last step runs whatever the change.
    expect(tea.decide(0, 5, e(1.640625))).toEqual({ computed: true, change: 0 });
  });

  it('keeps one sum and previous embedding per call', () => {
    const tea = new TeaCacheChange('temb', 0.3, [1, 0], 10, 2);
    tea.decide(0, 0, Float32Array.of(1));
    tea.decide(1, 0, Float32Array.of(4));
    expect(tea.decide(0, 1, Float32Array.of(1.25)).computed).toBe(false);
    expect(tea.decide(1, 1, Float32Array.of(6))).toEqual({ computed: true, change: 0.5, accumulated: 0.5 });
    expect(tea.bytes()).toBe(2 * 4);
  });
});
