import { FIRST_BLOCK_RESIDUAL } from './onnx/first-block-cache-graphs.ts';
import type { CallDecider } from './types.ts';

/**
 * First Block Cache's decision (diffusers' FirstBlockCacheConfig): the remaining blocks run when the first block's
 * residual changed, since the last step that ran them, by more than `threshold` in relative L1 (mean |r − r₀| over
 * mean |r₀|); the first step always runs them. Each transformer call of the source pipeline keeps its own r₀, as
 * diffusers keeps one cache state per call (cache context).
 */
export class FirstBlockChange implements CallDecider {
  readonly input = FIRST_BLOCK_RESIDUAL;
  private readonly last: (Float32Array | null)[];

  constructor(
    readonly threshold: number,
    calls: number,
  ) {
    this.last = Array.from({ length: calls }, () => null);
  }

  /** Decides for call `call` from its first-block residual; a computed call's residual becomes its new reference. */
  decide(call: number, _step: number, residual: Float32Array): { computed: boolean; change: number | null } {
    const previous = this.last[call];
    let change: number | null = null;
    if (previous) {
      if (previous.length !== residual.length) throw new Error(`first-block residual of ${residual.length} values after one of ${previous.length}`);
      let difference = 0;
      let size = 0;
      for (let i = 0; i < residual.length; i++) {
        difference += Math.abs(residual[i]! - previous[i]!);
        size += Math.abs(previous[i]!);
      }
      change = difference / size;
    }
    const computed = change === null || !(change <= this.threshold);
    if (computed) this.last[call] = Float32Array.from(residual);
    return { computed, change };
  }

  /** Bytes of the residuals kept as references. */
  bytes(): number {
    return this.last.reduce((sum, r) => sum + (r?.byteLength ?? 0), 0);
  }

  clear(): void {
    this.last.fill(null);
  }
}
