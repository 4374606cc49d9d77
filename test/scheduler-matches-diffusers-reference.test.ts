import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeNoiseSchedule, type BetaSettings } from '../pipelines/schedulers/betas.ts';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { EulerDiscreteScheduler } from '../pipelines/schedulers/euler-discrete-scheduler.ts';
import { ANIMATEDIFF_DDIM_CONFIG, SD_EULER_CONFIG } from '../pipelines/schedulers/scheduler-config.ts';
import type { BetaSchedulerConfig } from '../pipelines/schedulers/types.ts';

interface ReferenceStep {
  stepIndex: number;
  timestep: number;
  prevSample: number[];
  scaledModelInput?: number[];
}
interface ReferenceCase {
  name: string;
  config: BetaSchedulerConfig;
  numInferenceSteps: number;
  timesteps: number[];
  initNoiseSigma: number;
  sigmas?: number[];
  steps: ReferenceStep[];
}
interface Reference {
  versions: { diffusers: string };
  inputs: { sample: number[]; modelOutput: number[] };
  betaSchedules: {
    name: string;
    settings: BetaSettings;
    indices: number[];
    alphasCumprod: number[];
    alphasCumprodFloat64: number[];
  }[];
  presets: { sdEuler: BetaSchedulerConfig; animateDiffDdim: BetaSchedulerConfig };
  cases: ReferenceCase[];
}

const reference = JSON.parse(
  readFileSync(new URL('./fixtures/scheduler-reference.json', import.meta.url), 'utf8'),
) as Reference;

// diffusers keeps its tables in float32 (ᾱ to ~1e-6 relative); our tables are float64. Sigmas near t = 0 lose
// more in diffusers because 1 − ᾱ cancels in float32 there, hence their looser bound.
const ALPHAS_CUMPROD_RTOL = 2e-6;
const SIGMA_RTOL = 3e-5;
const SAMPLE_ATOL = 1e-5;
const SAMPLE_RTOL = 5e-5;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], atol: number, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const allowed = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= allowed)) {
      expect.fail(`element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${allowed}`);
    }
  }
}

describe(`schedulers match diffusers ${reference.versions.diffusers}`, () => {
  const sample = Float32Array.from(reference.inputs.sample);
  const modelOutput = Float32Array.from(reference.inputs.modelOutput);

  for (const schedule of reference.betaSchedules) {
    it(`alphas_cumprod of ${schedule.name}`, () => {
      const { alphasCumprod } = computeNoiseSchedule(schedule.settings);
      const ours = schedule.indices.map((i) => alphasCumprod[i]);
      expectClose(ours, schedule.alphasCumprod, 0, ALPHAS_CUMPROD_RTOL);
      expectClose(ours, schedule.alphasCumprodFloat64, 0, 1e-12);
    });
  }

  it("Stable Diffusion's scaled_linear schedule ends at the published ᾱ_999 ≈ 0.0046", () => {
    const sd = reference.betaSchedules.find((s) => s.name === 'sd-scaled-linear');
    const last = sd!.indices.indexOf(999);
    // Published to two significant figures.
    expect(Math.abs(sd!.alphasCumprod[last] - 0.0046)).toBeLessThan(1e-4);
    expect(Math.abs(computeNoiseSchedule(sd!.settings).alphasCumprod[999] - 0.0046)).toBeLessThan(1e-4);
  });

  it('the presets equal the configs diffusers resolves for them', () => {
    expect({ ...ANIMATEDIFF_DDIM_CONFIG, eta: undefined }).toEqual({ ...reference.presets.animateDiffDdim, eta: undefined });
    expect(SD_EULER_CONFIG).toEqual(reference.presets.sdEuler);
  });

  for (const c of reference.cases) {
    describe(c.name, () => {
      const scheduler = createScheduler(c.config, c.numInferenceSteps);

      it('has the same timesteps and initial noise sigma', () => {
        // Karras timesteps come from logarithms of diffusers' float32 tables (rebuilt here from float64 betas, so
        // a few ulps apart) or of float32 sigmas.
        if (c.config.karrasSigmas) expectClose(scheduler.timesteps, c.timesteps, 1e-6, 1e-5);
        else expect(scheduler.timesteps).toEqual(c.timesteps);
        expectClose([scheduler.initNoiseSigma], [c.initNoiseSigma], 0, SIGMA_RTOL);
      });

      if (c.sigmas) {
        it('has the same sigmas', () => {
          expect(scheduler).toBeInstanceOf(EulerDiscreteScheduler);
          expectClose((scheduler as EulerDiscreteScheduler).sigmas, c.sigmas!, 0, SIGMA_RTOL);
        });
      }

      for (const step of c.steps) {
        it(`step ${step.stepIndex} (t = ${step.timestep}) gives the same sample`, () => {
          expectClose([scheduler.timesteps[step.stepIndex]!], [step.timestep], c.config.karrasSigmas ? 1e-6 : 0, c.config.karrasSigmas ? 1e-5 : 0);
          expectClose(scheduler.step(modelOutput, step.stepIndex, sample), step.prevSample, SAMPLE_ATOL, SAMPLE_RTOL);
          const scaled = scheduler.scaleModelInput(sample, step.stepIndex);
          expectClose(scaled, step.scaledModelInput ?? reference.inputs.sample, SAMPLE_ATOL, SAMPLE_RTOL);
        });
      }
    });
  }
});
