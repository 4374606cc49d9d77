import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { translateDiffusersSchedulerConfig } from '../pipelines/schedulers/diffusers-scheduler-config.ts';
import { EulerDiscreteScheduler } from '../pipelines/schedulers/euler-discrete-scheduler.ts';

interface ReferenceCase {
  name: string;
  diffusersConfig: Record<string, unknown>;
  numInferenceSteps: number;
  timesteps: number[];
  initNoiseSigma: number;
  sigmas?: number[];
  steps: { stepIndex: number; timestep: number; prevSample: number[]; scaledModelInput?: number[] }[];
}

// Schedulers built by diffusers' from_config from scheduler_config.json objects, recorded by
// tools/reference/scheduler_reference.py; each config goes through lightbench's translation and is stepped on the
// same inputs. diffusers keeps its tables in float32, lightbench in float64: hence relative bounds.
const reference = JSON.parse(readFileSync(new URL('./fixtures/scheduler-reference.json', import.meta.url), 'utf8')) as {
  versions: { diffusers: string };
  inputs: { sample: number[]; modelOutput: number[] };
  diffusersConfigCases: ReferenceCase[];
};
const SIGMA_RTOL = 3e-5;
const SAMPLE_ATOL = 1e-5;
const SAMPLE_RTOL = 5e-5;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], atol: number, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const allowed = atol + rtol * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= allowed)) expect.fail(`element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${allowed}`);
  }
}

describe(`diffusers scheduler_config.json translated matches diffusers ${reference.versions.diffusers} step by step`, () => {
  const sample = Float32Array.from(reference.inputs.sample);
  const modelOutput = Float32Array.from(reference.inputs.modelOutput);
  expect(reference.diffusersConfigCases.length).toBeGreaterThanOrEqual(14);

  for (const c of reference.diffusersConfigCases) {
    describe(c.name, () => {
      const { config } = translateDiffusersSchedulerConfig(c.diffusersConfig);
      const scheduler = createScheduler(config, c.numInferenceSteps);
      const karras = 'karrasSigmas' in config && config.karrasSigmas !== undefined;

      it('timesteps, initial noise sigma and sigmas', () => {
        if (karras) expectClose(scheduler.timesteps, c.timesteps, 1e-6, 1e-5);
        else expect(scheduler.timesteps).toEqual(c.timesteps);
        expectClose([scheduler.initNoiseSigma], [c.initNoiseSigma], 0, SIGMA_RTOL);
        if (c.sigmas) {
          expect(scheduler).toBeInstanceOf(EulerDiscreteScheduler);
          const ours = (scheduler as EulerDiscreteScheduler).sigmas;
          expect(ours.length).toBe(c.sigmas.length);
          // Near t = 0, 1 − ᾱ cancels in diffusers' float32 tables: σ² = (1 − ᾱ)/ᾱ carries an error of about one
          // float32 ulp of ᾱ (2⁻²⁴), so small sigmas (0.01 with the default betas) are off by up to 2⁻²⁴/σ² relative.
          c.sigmas.forEach((expected, i) => expectClose([ours[i]!], [expected], 0, SIGMA_RTOL + (expected > 0 ? 2 ** -24 / expected ** 2 : 0)));
        }
      });

      for (const step of c.steps) {
        it(`step ${step.stepIndex} (t = ${step.timestep})`, () => {
          expectClose(scheduler.step(modelOutput, step.stepIndex, sample), step.prevSample, SAMPLE_ATOL, SAMPLE_RTOL);
          expectClose(scheduler.scaleModelInput(sample, step.stepIndex), step.scaledModelInput ?? reference.inputs.sample, SAMPLE_ATOL, SAMPLE_RTOL);
        });
      }
    });
  }
});
