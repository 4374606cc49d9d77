import type { CallDecider } from './types.ts';

/** Value of a polynomial given highest power first (numpy.poly1d order), by Horner's rule. */
export function polynomial(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((sum, c) => sum * x + c, 0);
}

/**
 * TeaCache's decision on Wan (TeaCache4Wan2.1 without retention steps): each step, the relative L1 change of the
 * timestep embedding since the previous step (mean |e − e₋₁| over mean |e₋₁|), rescaled by the model's polynomial,
 * is added to an accumulator; the block stack is skipped while the accumulator stays under `threshold`, and when
 * it reaches it the blocks run and the accumulator starts again from 0. The first and the last step always run
 * the blocks. Each transformer call keeps its own accumulator and previous embedding, as TeaCache keeps one per
 * call (prompt, negative prompt).
 */
export class TeaCacheChange implements CallDecider {
  private readonly previous: (Float32Array | null)[];
  private readonly accumulated: number[];

  constructor(
    readonly input: string,
    readonly threshold: number,
    private readonly coefficients: readonly number[],
    private readonly steps: number,
    calls: number,
  ) {
    this.previous = Array.from({ length: calls }, () => null);
    this.accumulated = Array.from({ length: calls }, () => 0);
  }

  decide(call: number, step: number, embedding: Float32Array): { computed: boolean; change: number | null; accumulated?: number } {
    const previous = this.previous[call];
    this.previous[call] = Float32Array.from(embedding);
    let change: number | null = null;
    if (previous) {
      let difference = 0;
      let size = 0;
      for (let i = 0; i < embedding.length; i++) {
        difference += Math.abs(embedding[i]! - previous[i]!);
        size += Math.abs(previous[i]!);
      }
      change = polynomial(this.coefficients, difference / size);
    }
    if (change === null || step === 0 || step >= this.steps - 1) {
      this.accumulated[call] = 0;
      return { computed: true, change };
    }
    const accumulated = this.accumulated[call]! + change;
    const computed = !(accumulated < this.threshold);
    this.accumulated[call] = computed ? 0 : accumulated;
    return { computed, change, accumulated };
  }

  bytes(): number {
    return this.previous.reduce((sum, e) => sum + (e?.byteLength ?? 0), 0);
  }

  clear(): void {
    this.previous.fill(null);
    this.accumulated.fill(0);
  }
}
