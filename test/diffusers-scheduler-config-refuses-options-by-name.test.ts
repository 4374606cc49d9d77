import { describe, expect, it } from 'vitest';
import { translateDiffusersSchedulerConfig } from '../pipelines/schedulers/diffusers-scheduler-config.ts';

const refusal = (config: Record<string, unknown>): string => {
  try {
    translateDiffusersSchedulerConfig(config);
  } catch (error) {
    expect(error).toMatchObject({ name: 'HarnessError', code: 'bad-scheduler' });
    return (error as Error).message;
  }
  return expect.fail('translated without error');
};

// What lightbench does not implement is refused by its diffusers name, never dropped: dropping it would sample
// differently from the checkpoint's pipeline without a word.
describe('a diffusers scheduler config lightbench cannot reproduce', () => {
  it.each([
    [{ _class_name: 'DDIMScheduler', thresholding: true }, 'DDIMScheduler config: thresholding true is not supported (dynamic thresholding'],
    [{ _class_name: 'DDIMScheduler', trained_betas: [0.1, 0.2] }, 'trained_betas [0.1,0.2] is not supported'],
    [{ _class_name: 'DDIMScheduler', beta_schedule: 'sigmoid' }, 'beta_schedule "sigmoid" is not supported; accepted: linear, scaled_linear, squaredcos_cap_v2'],
    [{ _class_name: 'DDIMScheduler', timestep_spacing: 'uniform' }, 'timestep_spacing "uniform" is not supported; accepted: linspace, leading, trailing'],
    [{ _class_name: 'EulerDiscreteScheduler', use_exponential_sigmas: true }, 'use_exponential_sigmas true is not supported'],
    [{ _class_name: 'EulerDiscreteScheduler', use_beta_sigmas: true }, 'use_beta_sigmas true is not supported'],
    [{ _class_name: 'EulerDiscreteScheduler', interpolation_type: 'log_linear' }, 'interpolation_type "log_linear" is not supported; accepted: linear'],
    [{ _class_name: 'EulerDiscreteScheduler', prediction_type: 'flow' }, 'prediction_type "flow" is not supported; accepted: epsilon, v_prediction, sample, original_sample'],
    [{ _class_name: 'EulerDiscreteScheduler', steps_offset: 'one' }, 'steps_offset must be a number, got "one"'],
    [{ _class_name: 'PNDMScheduler' }, 'diffusers scheduler "PNDMScheduler" is not supported; accepted _class_name: DDIMScheduler, EulerDiscreteScheduler'],
  ])('%j is refused naming the option', (config, message) => {
    expect(refusal(config)).toContain(message);
  });

  it('keys the class does not take are ignored, as from_config ignores them, and listed', () => {
    const translated = translateDiffusersSchedulerConfig({ _class_name: 'EulerDiscreteScheduler', _diffusers_version: '0.42.1', skip_prk_steps: true, clip_sample: false, beta_schedule: 'scaled_linear' });
    expect(translated.ignoredKeys).toEqual(['skip_prk_steps', 'clip_sample']);
    expect(translated.config).toMatchObject({ kind: 'euler', betaSchedule: 'scaled_linear' });
  });

  it("diffusers' defaults fill what a config leaves out", () => {
    expect(translateDiffusersSchedulerConfig({ _class_name: 'DDIMScheduler' }).config).toEqual({
      kind: 'ddim', numTrainTimesteps: 1000, betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', stepsOffset: 0, rescaleBetasZeroSnr: false,
      timestepSpacing: 'leading', predictionType: 'epsilon', clipSample: true, setAlphaToOne: true, eta: 0,
    });
  });
});
