import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { WAN_UNIPC_CONFIG } from '../pipelines/schedulers/flow-scheduler-config.ts';
import type { FlowSchedulerConfig } from '../pipelines/schedulers/types.ts';

interface TrajectoryStep {
  stepIndex: number;
  timestep: number;
  modelOutput: number[];
  prevSample: number[];
}
interface FlowCase {
  name: string;
  config: FlowSchedulerConfig;
  numInferenceSteps: number;
  timesteps: number[];
  sigmas: number[];
  initNoiseSigma: number;
  initialSample: number[];
  steps: TrajectoryStep[];
}
interface Reference {
  versions: { diffusers: string };
  flowPresets: { wanUnipcSchedulerConfig: Record<string, unknown> };
  flowCases: FlowCase[];
}

const reference = JSON.parse(
  readFileSync(new URL('./fixtures/scheduler-reference.json', import.meta.url), 'utf8'),
) as Reference;

// diffusers steps in float32 (UniPC's coefficients too); ours are float64 coefficients on float32 samples, and a
// whole trajectory is chained through our own samples, so float32 roundings accumulate over the steps (measured:
// at most 7.2e-7 over Wan's 50 UniPC steps).
const SAMPLE_ATOL = 2e-6;
const SAMPLE_RTOL = 1e-5;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], atol: number, rtol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const allowed = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= allowed)) {
      expect.fail(`${what}, element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${allowed}`);
    }
  }
}

describe(`flow-matching schedulers match diffusers ${reference.versions.diffusers} step by step`, () => {
  it("the Wan preset is Wan's published UniPC config", () => {
    const published = reference.flowPresets.wanUnipcSchedulerConfig;
    expect(published.prediction_type).toBe(WAN_UNIPC_CONFIG.predictionType);
    expect(published.use_flow_sigmas).toBe(true);
    expect(published.final_sigmas_type).toBe('zero');
    expect(published.predict_x0).toBe(true);
    expect(published.flow_shift).toBe(WAN_UNIPC_CONFIG.flowShift);
    expect(published.solver_order).toBe(WAN_UNIPC_CONFIG.solverOrder);
    expect(published.solver_type).toBe(WAN_UNIPC_CONFIG.solverType);
    expect(published.lower_order_final).toBe(WAN_UNIPC_CONFIG.lowerOrderFinal);
    expect(published.disable_corrector).toEqual(WAN_UNIPC_CONFIG.disableCorrector);
    expect(published.num_train_timesteps).toBe(WAN_UNIPC_CONFIG.numTrainTimesteps);
  });

  it('covers both samplers, the Wan preset, dynamic shifting and every UniPC order', () => {
    const kinds = new Set(reference.flowCases.map((c) => c.config.kind));
    expect(kinds).toEqual(new Set(['flow-match-euler', 'unipc']));
    expect(reference.flowCases.some((c) => JSON.stringify(c.config) === JSON.stringify(WAN_UNIPC_CONFIG))).toBe(true);
    const orders = reference.flowCases.flatMap((c) => (c.config.kind === 'unipc' ? [c.config.solverOrder] : []));
    expect(new Set(orders)).toEqual(new Set([1, 2, 3]));
  });

  for (const c of reference.flowCases) {
    describe(c.name, () => {
      it('has the same timesteps, sigmas and initial noise sigma', () => {
        const scheduler = createScheduler(c.config, c.numInferenceSteps);
        expect(scheduler.timesteps).toEqual(c.timesteps);
        expect(scheduler).toHaveProperty('sigmas', c.sigmas);
        expect(scheduler.initNoiseSigma).toBe(c.initNoiseSigma);
      });

      it('follows the same trajectory, step by step', () => {
        const scheduler = createScheduler(c.config, c.numInferenceSteps);
        let x = Float32Array.from(c.initialSample);
        expect(c.steps.map((s) => s.stepIndex)).toEqual(c.timesteps.map((_, i) => i));
        for (const step of c.steps) {
          expect(scheduler.scaleModelInput(x, step.stepIndex)).toEqual(x);
          x = Float32Array.from(scheduler.step(Float32Array.from(step.modelOutput), step.stepIndex, x));
          expectClose(x, step.prevSample, SAMPLE_ATOL, SAMPLE_RTOL, `step ${step.stepIndex}`);
        }
      });
    });
  }
});
