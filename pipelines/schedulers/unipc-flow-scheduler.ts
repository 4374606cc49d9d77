import { HarnessError } from '../harness-error.ts';
import { checkSameLength, checkStepIndex } from './check-step-inputs.ts';
import { linspace64, shiftSigma } from './flow-sigmas.ts';
import { checkInferenceSteps } from './timesteps.ts';
import type { Scheduler, UniPcFlowConfig } from './types.ts';

// Gaussian elimination with partial pivoting; the systems here are at most 3×3.
function solve(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row.slice(0, n), rhs[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r][n];
    for (let c = r + 1; c < n; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}

/** One UniPC update x_t = (σ_t/σ_s)·x − α_t·hφ₁·m₀ − α_t·B(h)·Σ ρ_k·D_k, with its scalar coefficients. */
interface Update {
  sampleScale: number;
  m0Scale: number;
  /** −α_t·B(h)·ρ_k per difference D_k = (m_k − m₀)/r_k, already divided by r_k. */
  differenceScales: number[];
}

/**
 * UniPC's predictor (UniP) and corrector (UniC) with B(h) = e^h − 1 (bh2), predicting x₀ from a flow prediction
 * (x₀ = x − σ·v, α = 1 − σ) over shifted flow sigmas, as diffusers' UniPCMultistepScheduler computes them with
 * `predict_x0`, `use_flow_sigmas` and a final sigma of zero. Timesteps are σ·N truncated to integers, as there.
 * Coefficients are float64 from the float32 sigmas; samples are float32.
 */
export class UniPcFlowScheduler implements Scheduler {
  readonly config: UniPcFlowConfig;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly numInferenceSteps: number;
  /** Noise level per step, plus a trailing 0 for the clean sample. */
  readonly sigmas: readonly number[];
  private readonly lambdas: readonly number[];
  // Multistep state: converted outputs (x₀ predictions) of earlier steps, newest last, and the sample the
  // corrector refines.
  private history: Float32Array[] = [];
  private lastSample: Float32Array | null = null;
  private lastOrder = 0;
  private nextStep = 0;

  constructor(config: UniPcFlowConfig, numInferenceSteps: number) {
    checkInferenceSteps(numInferenceSteps, config.numTrainTimesteps);
    this.config = config;
    this.numInferenceSteps = numInferenceSteps;
    const total = config.numTrainTimesteps;
    const placed = linspace64(1, 1 / total, numInferenceSteps + 1)
      .slice(0, -1)
      .map((s) => shiftSigma(s, config.flowShift));
    // σ = 1 would make λ infinite at the first step; diffusers nudges it below 1.
    if (Math.abs(placed[0] - 1) < 1e-6) placed[0] -= 1e-6;
    this.timesteps = placed.map((s) => Math.trunc(s * total));
    this.sigmas = [...placed.map((s) => Math.fround(s)), 0];
    // λ = log α − log σ with α = 1 − σ; +∞ at the final σ = 0.
    this.lambdas = this.sigmas.map((s) => Math.log(Math.fround(1 - s)) - Math.log(s));
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    return sample;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    checkStepIndex(stepIndex, this.numInferenceSteps);
    checkSameLength(modelOutput, sample);
    if (stepIndex === 0) this.reset();
    if (stepIndex !== this.nextStep) {
      throw new HarnessError(
        'bad-step-index',
        `UniPC is a multistep sampler and runs its steps in order: expected step ${this.nextStep} (or 0 to start over), got ${stepIndex}`,
      );
    }
    const sigma = this.sigmas[stepIndex];
    const converted = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) converted[i] = sample[i] - sigma * modelOutput[i];

    let current = sample;
    const useCorrector = stepIndex > 0 && this.lastSample !== null && !this.config.disableCorrector.includes(stepIndex - 1);
    if (useCorrector) current = this.correct(converted, stepIndex);

    this.history.push(converted);
    if (this.history.length > this.config.solverOrder) this.history.shift();
    const order = Math.min(
      this.config.lowerOrderFinal ? Math.min(this.config.solverOrder, this.numInferenceSteps - stepIndex) : this.config.solverOrder,
      this.history.length,
    );
    this.lastOrder = order;
    this.lastSample = current;
    this.nextStep = stepIndex + 1;
    return this.predict(current, stepIndex, order);
  }

  private reset(): void {
    this.history = [];
    this.lastSample = null;
    this.lastOrder = 0;
    this.nextStep = 0;
  }

  // B(h) and the right-hand side b_k = h·φ_{k+1}(h)·k!/B(h) of UniPC's order conditions (hh = −h for x₀ models).
  private coefficients(h: number, order: number): { hPhi1: number; bH: number; b: number[] } {
    const hh = -h;
    const hPhi1 = Math.expm1(hh);
    const bH = hPhi1; // bh2: B(h) = e^h − 1
    let hPhiK = hPhi1 / hh - 1;
    let factorial = 1;
    const b: number[] = [];
    for (let i = 1; i <= order; i++) {
      b.push((hPhiK * factorial) / bH);
      factorial *= i + 1;
      hPhiK = hPhiK / hh - 1 / factorial;
    }
    return { hPhi1, bH, b };
  }

  private powers(rks: number[]): number[][] {
    return rks.map((_, k) => rks.map((r) => r ** k));
  }

  // Predictor from step s0 = stepIndex to stepIndex + 1 with `order` − 1 earlier outputs.
  private predict(sample: Float32Array, stepIndex: number, order: number): Float32Array {
    const lambdaS0 = this.lambdas[stepIndex];
    const h = this.lambdas[stepIndex + 1] - lambdaS0;
    const rks = Array.from({ length: order - 1 }, (_, i) => (this.lambdas[stepIndex - (i + 1)] - lambdaS0) / h);
    const { hPhi1, bH, b } = this.coefficients(h, order);
    const rhos = order === 1 ? [] : order === 2 ? [0.5] : solve(this.powers([...rks, 1]).slice(0, -1), b.slice(0, -1));
    const alphaT = 1 - this.sigmas[stepIndex + 1];
    const update: Update = {
      sampleScale: this.sigmas[stepIndex + 1] / this.sigmas[stepIndex],
      m0Scale: -alphaT * hPhi1,
      differenceScales: rks.map((r, k) => (-alphaT * bH * rhos[k]) / r),
    };
    const m0 = this.history[this.history.length - 1];
    const earlier = rks.map((_, i) => this.history[this.history.length - 2 - i]);
    return this.apply(update, sample, m0, earlier);
  }

  // Corrector of the previous step's prediction into step `stepIndex`, using this step's converted output.
  private correct(converted: Float32Array, stepIndex: number): Float32Array {
    const order = this.lastOrder;
    const lambdaS0 = this.lambdas[stepIndex - 1];
    const h = this.lambdas[stepIndex] - lambdaS0;
    const rks = Array.from({ length: order - 1 }, (_, i) => (this.lambdas[stepIndex - (i + 2)] - lambdaS0) / h);
    const { hPhi1, bH, b } = this.coefficients(h, order);
    const rhos = order === 1 ? [0.5] : solve(this.powers([...rks, 1]), b);
    const alphaT = 1 - this.sigmas[stepIndex];
    const m0 = this.history[this.history.length - 1];
    // The last coefficient weighs D_t = m_t − m₀ (r = 1).
    const update: Update = {
      sampleScale: this.sigmas[stepIndex] / this.sigmas[stepIndex - 1],
      m0Scale: -alphaT * hPhi1,
      differenceScales: [...rks.map((r, k) => (-alphaT * bH * rhos[k]) / r), -alphaT * bH * rhos[rhos.length - 1]],
    };
    const earlier = [...rks.map((_, i) => this.history[this.history.length - 2 - i]), converted];
    return this.apply(update, this.lastSample!, m0, earlier);
  }

  private apply(update: Update, sample: Float32Array, m0: Float32Array, earlier: Float32Array[]): Float32Array {
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      let value = update.sampleScale * sample[i] + update.m0Scale * m0[i];
      for (let k = 0; k < earlier.length; k++) value += update.differenceScales[k] * (earlier[k][i] - m0[i]);
      out[i] = value;
    }
    return out;
  }
}
