import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../pipelines/seeded-random.ts';
import { computeNoiseSchedule } from '../pipelines/schedulers/betas.ts';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { EulerDiscreteScheduler } from '../pipelines/schedulers/euler-discrete-scheduler.ts';
import { SD_EULER_CONFIG } from '../pipelines/schedulers/scheduler-config.ts';
import type { BetaSchedulerConfig } from '../pipelines/schedulers/types.ts';

const LENGTH = 64;
const x0 = gaussianNoise(3, LENGTH).map((v) => v * 0.5);
const eps = gaussianNoise(4, LENGTH);

// Euler works on the variance-exploding latent x = x₀ + σ·ε.
function noised(sigma: number): Float32Array {
  return x0.map((v, i) => v + sigma * eps[i]);
}

function euler(overrides: Partial<BetaSchedulerConfig>, steps = 10): EulerDiscreteScheduler {
  const scheduler = createScheduler({ ...SD_EULER_CONFIG, ...overrides }, steps);
  expect(scheduler).toBeInstanceOf(EulerDiscreteScheduler);
  return scheduler as EulerDiscreteScheduler;
}

function expectAllClose(actual: Float32Array, expected: ArrayLike<number>, atol: number): void {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(atol);
}

describe('Euler discrete step arithmetic', () => {
  it('with the true noise, moves from σ_k to σ_k+1 and ends on the clean sample', () => {
    const scheduler = euler({});
    const n = scheduler.numInferenceSteps;
    expect(scheduler.sigmas).toHaveLength(n + 1);
    expect(scheduler.sigmas[n]).toBe(0);
    for (let k = 0; k < n; k++) {
      const sigma = scheduler.sigmas[k];
      expectAllClose(scheduler.step(eps, k, noised(sigma)), noised(scheduler.sigmas[k + 1]), 1e-4);
    }
    expectAllClose(scheduler.step(eps, n - 1, noised(scheduler.sigmas[n - 1])), x0, 1e-5);
  });

  it('v-prediction with the true velocity recovers the same trajectory', () => {
    const scheduler = euler({ predictionType: 'v_prediction' });
    for (const k of [0, 5, 9]) {
      const sigma = scheduler.sigmas[k];
      const velocity = eps.map((n, i) => (n - sigma * x0[i]) / Math.sqrt(sigma * sigma + 1));
      expectAllClose(scheduler.step(velocity, k, noised(sigma)), noised(scheduler.sigmas[k + 1]), 1e-4);
    }
  });

  it('sigmas are √((1−ᾱ)/ᾱ) at the timesteps and decrease', () => {
    const scheduler = euler({});
    const { alphasCumprod } = computeNoiseSchedule(SD_EULER_CONFIG);
    const a999 = alphasCumprod[999];
    expect(scheduler.timesteps[0]).toBe(999);
    expect(scheduler.sigmas[0]).toBeCloseTo(Math.sqrt((1 - a999) / a999), 12);
    for (let k = 1; k < scheduler.sigmas.length; k++) expect(scheduler.sigmas[k]).toBeLessThan(scheduler.sigmas[k - 1]);
  });

  it('divides the model input by √(σ² + 1)', () => {
    const scheduler = euler({});
    const sigma = scheduler.sigmas[2];
    expectAllClose(scheduler.scaleModelInput(eps, 2), eps.map((v) => v / Math.sqrt(sigma * sigma + 1)), 1e-6);
  });

  it('starts from σ_max for linspace and trailing spacing, √(σ_max² + 1) for leading', () => {
    const linspace = euler({ timestepSpacing: 'linspace' });
    const trailing = euler({ timestepSpacing: 'trailing' });
    const leading = euler({ timestepSpacing: 'leading' });
    expect(linspace.initNoiseSigma).toBe(linspace.sigmas[0]);
    expect(trailing.initNoiseSigma).toBe(trailing.sigmas[0]);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(leading.sigmas[0] ** 2 + 1), 12);
  });
});
