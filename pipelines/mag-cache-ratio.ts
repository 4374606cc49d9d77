import type { CallDecider, CallDecision, MagCacheParameters } from './types.ts';

const f32 = Math.fround;

/** Rounds half to even, as torch.round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `ratios` stretched or shrunk to `steps` values by nearest neighbour, as diffusers' MagCache does when its ratios
 * were calibrated for another step count (float32 index arithmetic, ties to even; one step takes the last ratio).
 */
export function interpolateRatios(ratios: readonly number[], steps: number): number[] {
  if (ratios.length === 0) throw new Error('MagCache needs at least one magnitude ratio');
  if (ratios.length === steps) return ratios.map(f32);
  if (steps === 1) return [f32(ratios.at(-1)!)];
  const scale = f32((ratios.length - 1) / (steps - 1));
  return Array.from({ length: steps }, (_, i) => f32(ratios[roundHalfEven(f32(i * scale))]!));
}

/** The step MagCache starts to reuse from: retentionRatio of the steps, rounded half up. */
export function retentionSteps(retentionRatio: number, steps: number): number {
  return Math.trunc(retentionRatio * steps + 0.5);
}

/**
 * MagCache's decision (diffusers' MagCacheConfig on the whole block stack): after the retention steps, each step
 * multiplies an accumulated ratio by the step's magnitude ratio and adds |1 − accumulated ratio| to an accumulated
 * error; the stack is skipped (its last computed residual added to its input) while that error is at most
 * `threshold`, no more than `maxSkipSteps` steps in a row have been counted, and a residual exists; otherwise the
 * stack runs and the accumulators start again. Each transformer call keeps its own state, as diffusers keeps one
 * per cache context. The accumulators are float32, as diffusers' tensors are. In calibration every step computes and
 * each call records the mean, over tokens, of its residual's norm over the previous step's (diffusers' calibrate).
 */
export class MagCacheRatio implements CallDecider {
  readonly input = null;
  private readonly ratios: number[];
  private readonly retention: number;
  private readonly state: { ratio: number; error: number; steps: number; hasResidual: boolean }[];
  private readonly previousNorms: (Float64Array | null)[];
  /** Calibration only, so an ordinary run never reads its residual back. */
  readonly afterCompute?: CallDecider['afterCompute'];

  constructor(
    readonly threshold: number,
    private readonly parameters: MagCacheParameters,
    steps: number,
    calls: number,
  ) {
    if (!parameters.calibrate && !parameters.ratios) throw new Error('MagCache runs with magnitude ratios: from the manifest or calibrated before the timed runs');
    this.ratios = parameters.calibrate ? [] : interpolateRatios(parameters.ratios!, steps);
    this.retention = retentionSteps(parameters.retentionRatio, steps);
    this.state = Array.from({ length: calls }, () => ({ ratio: 1, error: 0, steps: 0, hasResidual: false }));
    this.previousNorms = Array.from({ length: calls }, () => null);
    if (parameters.calibrate) this.afterCompute = (call, _step, residual, width) => this.measuredRatio(call, residual, width);
  }

  decide(call: number, step: number): Omit<CallDecision, 'call'> {
    const s = this.state[call]!;
    if (this.parameters.calibrate) return { computed: true, change: null };
    const ratio = step < this.ratios.length ? this.ratios[step]! : 1;
    if (step < this.retention) {
      s.hasResidual = true;
      return { computed: true, change: ratio };
    }
    s.ratio = f32(s.ratio * ratio);
    s.steps += 1;
    s.error = f32(s.error + f32(Math.abs(f32(1 - s.ratio))));
    const decided = { change: ratio, accumulated: s.error, accumulatedRatio: s.ratio, skipSteps: s.steps };
    if (s.hasResidual && s.error <= f32(this.threshold) && s.steps <= this.parameters.maxSkipSteps) return { computed: false, ...decided };
    Object.assign(s, { ratio: 1, error: 0, steps: 0, hasResidual: true });
    return { computed: true, ...decided };
  }

  private measuredRatio(call: number, residual: Float32Array, width: number): Partial<Omit<CallDecision, 'call'>> {
    const tokens = residual.length / width;
    const norms = new Float64Array(tokens);
    for (let t = 0; t < tokens; t++) {
      let sum = 0;
      for (let i = t * width; i < (t + 1) * width; i++) sum += residual[i]! * residual[i]!;
      norms[t] = Math.sqrt(sum);
    }
    const previous = this.previousNorms[call];
    this.previousNorms[call] = norms;
    if (!previous) return { change: null };
    let sum = 0;
    for (let t = 0; t < tokens; t++) sum += norms[t]! / (previous[t]! + 1e-8);
    return { change: sum / tokens };
  }

  /** Per-token norms kept in calibration; the residual itself is kept by the plan. */
  bytes(): number {
    return this.previousNorms.reduce((sum, n) => sum + (n?.byteLength ?? 0), 0);
  }

  clear(): void {
    for (const s of this.state) Object.assign(s, { ratio: 1, error: 0, steps: 0, hasResidual: false });
    this.previousNorms.fill(null);
  }
}

/** The magnitude ratios a calibration pass measured: per step, the chosen call's ratio (1 on the first step, as diffusers logs). */
export function calibratedRatios(decisions: readonly { calls: readonly CallDecision[] }[]): number[] {
  return decisions.map((d) => {
    const call = d.calls.find((c) => c.call === 'prompt') ?? d.calls.find((c) => c.call === 'batch') ?? d.calls[0]!;
    return call.change ?? 1;
  });
}
