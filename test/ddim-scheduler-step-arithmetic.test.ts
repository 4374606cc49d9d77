import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { gaussianNoise } from '../pipelines/seeded-random.ts';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { DdimScheduler } from '../pipelines/schedulers/ddim-scheduler.ts';
import { ANIMATEDIFF_DDIM_CONFIG } from '../pipelines/schedulers/scheduler-config.ts';
import type { BetaSchedulerConfig } from '../pipelines/schedulers/types.ts';

const LENGTH = 64;
const x0 = gaussianNoise(1, LENGTH).map((v) => v * 0.5);
const eps = gaussianNoise(2, LENGTH);

function mix(a: number, b: number, wa: number, wb: number): number {
  return wa * a + wb * b;
}

// The latent at noise level ᾱ for a known clean sample and noise: x_t = √ᾱ·x₀ + √(1−ᾱ)·ε.
function noised(alphaProd: number): Float32Array {
  return x0.map((v, i) => mix(v, eps[i], Math.sqrt(alphaProd), Math.sqrt(1 - alphaProd)));
}

function ddim(overrides: Partial<BetaSchedulerConfig>, steps = 10): DdimScheduler {
  const scheduler = createScheduler({ ...ANIMATEDIFF_DDIM_CONFIG, ...overrides }, steps);
  expect(scheduler).toBeInstanceOf(DdimScheduler);
  return scheduler as DdimScheduler;
}

function expectAllClose(actual: Float32Array, expected: ArrayLike<number>, atol: number): void {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(atol);
}

describe('DDIM step arithmetic', () => {
  for (const spacing of ['leading', 'linspace', 'trailing'] as const) {
    it(`with the true noise, moves x_t exactly to x_prev (${spacing})`, () => {
      const scheduler = ddim({ timestepSpacing: spacing });
      for (let k = 0; k < scheduler.numInferenceSteps; k++) {
        const alphaProd = scheduler.alphasCumprod[scheduler.timesteps[k]];
        const prev = scheduler.previousTimestep(k);
        const alphaPrev = prev >= 0 ? scheduler.alphasCumprod[prev] : scheduler.alphasCumprod[0];
        expectAllClose(scheduler.step(eps, k, noised(alphaProd)), noised(alphaPrev), 2e-5);
      }
    });
  }

  it('recovers the clean sample on the last step when the final alpha is one', () => {
    const scheduler = ddim({ setAlphaToOne: true });
    const last = scheduler.numInferenceSteps - 1;
    const alphaProd = scheduler.alphasCumprod[scheduler.timesteps[last]];
    expectAllClose(scheduler.step(eps, last, noised(alphaProd)), x0, 1e-5);
  });

  it('v-prediction with the true velocity lands where epsilon prediction does', () => {
    const v = ddim({ predictionType: 'v_prediction' });
    const e = ddim({});
    for (const k of [0, 4, 9]) {
      const alphaProd = v.alphasCumprod[v.timesteps[k]];
      const velocity = eps.map((n, i) => mix(n, x0[i], Math.sqrt(alphaProd), -Math.sqrt(1 - alphaProd)));
      const sample = noised(alphaProd);
      expectAllClose(v.step(velocity, k, sample), e.step(eps, k, sample), 2e-5);
    }
  });

  it('clips the predicted clean sample to [-1, 1] when clipSample is on', () => {
    const wide = x0.map((v) => v * 4);
    const scheduler = ddim({ clipSample: true, setAlphaToOne: true });
    const last = scheduler.numInferenceSteps - 1;
    const alphaProd = scheduler.alphasCumprod[scheduler.timesteps[last]];
    const sample = wide.map((v, i) => mix(v, eps[i], Math.sqrt(alphaProd), Math.sqrt(1 - alphaProd)));
    const out = scheduler.step(eps, last, sample);
    expect(wide.some((v) => Math.abs(v) > 1)).toBe(true);
    expectAllClose(out, wide.map((v) => Math.min(1, Math.max(-1, v))), 1e-5);
  });

  it('adds eta-scaled seeded variance noise, the same on every run', () => {
    const config = { ...ANIMATEDIFF_DDIM_CONFIG, eta: 1 };
    const a = createScheduler(config, 10, { varianceNoiseSeed: 7 }) as DdimScheduler;
    const b = createScheduler(config, 10, { varianceNoiseSeed: 8 }) as DdimScheduler;
    const k = 3;
    const sample = noised(a.alphasCumprod[a.timesteps[k]]);
    const first = a.step(eps, k, sample);
    expect(Array.from(a.step(eps, k, sample))).toEqual(Array.from(first));
    const alphaProd = a.alphasCumprod[a.timesteps[k]];
    const alphaPrev = a.alphasCumprod[a.previousTimestep(k)];
    const stdDev = Math.sqrt(((1 - alphaPrev) / (1 - alphaProd)) * (1 - alphaProd / alphaPrev));
    const noiseA = gaussianNoise(7 + k, LENGTH);
    const noiseB = gaussianNoise(8 + k, LENGTH);
    const difference = first.map((v, i) => v - b.step(eps, k, sample)[i]);
    expect(stdDev).toBeGreaterThan(0.01);
    expectAllClose(difference, noiseA.map((n, i) => stdDev * (n - noiseB[i])), 2e-5);
  });

  it('leaves the model input unscaled', () => {
    const scheduler = ddim({});
    expect(scheduler.initNoiseSigma).toBe(1);
    expect(Array.from(scheduler.scaleModelInput(eps, 2))).toEqual(Array.from(eps));
  });

  it('rejects step indices and inputs that do not fit', () => {
    const scheduler = ddim({});
    expect(() => scheduler.step(eps, 10, eps)).toThrow(/from 0 to 9, got 10/);
    expect(() => scheduler.step(eps, -1, eps)).toThrow(HarnessError);
    expect(() => scheduler.step(eps, 0, eps.subarray(1))).toThrow(/64 values but the sample has 63/);
  });
});
