import type { DynamicShift } from './types.ts';

/** numpy's linspace in float64: start + i·step, with the last point pinned to `stop`. */
export function linspace64(start: number, stop: number, count: number): number[] {
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  return Array.from({ length: count }, (_, i) => (i === count - 1 && count > 1 ? stop : start + i * step));
}

/** The resolution-independent shift σ' = shift·σ / (1 + (shift − 1)·σ) that SD3-style flow models are sampled with. */
export function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/** diffusers' time_shift(μ, 1, σ): the exponential or linear resolution-dependent shift. */
export function dynamicShiftSigma(sigma: number, dynamic: DynamicShift): number {
  const scale = dynamic.timeShiftType === 'exponential' ? Math.exp(dynamic.mu) : dynamic.mu;
  return scale / (scale + (1 / sigma - 1));
}
