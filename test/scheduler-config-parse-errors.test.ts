import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import {
  ANIMATEDIFF_DDIM_CONFIG,
  SD_EULER_CONFIG,
  parseSchedulerConfig,
} from '../pipelines/schedulers/scheduler-config.ts';

function parseError(input: unknown): HarnessError {
  try {
    parseSchedulerConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('bad-scheduler');
    return error as HarnessError;
  }
  throw new Error('expected the config to be rejected');
}

function creationError(run: () => unknown): HarnessError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    return error as HarnessError;
  }
  throw new Error('expected createScheduler to throw');
}

describe('scheduler config validation', () => {
  it('accepts the presets unchanged', () => {
    expect(parseSchedulerConfig(ANIMATEDIFF_DDIM_CONFIG)).toEqual(ANIMATEDIFF_DDIM_CONFIG);
    expect(parseSchedulerConfig(SD_EULER_CONFIG)).toEqual(SD_EULER_CONFIG);
  });

  it('names the field, the accepted values and the value given', () => {
    const message = parseError({ ...ANIMATEDIFF_DDIM_CONFIG, kind: 'pndm' }).message;
    expect(message).toContain('kind');
    expect(message).toContain('"ddim"|"euler"');
    expect(message).toContain('"pndm"');
    expect(parseError({ ...SD_EULER_CONFIG, timestepSpacing: 'uniform' }).message).toMatch(
      /timestepSpacing: .*"leading"\|"linspace"\|"trailing".*"uniform"/,
    );
    expect(parseError({ ...SD_EULER_CONFIG, predictionType: 'x0' }).message).toMatch(
      /predictionType: .*"epsilon"\|"v_prediction"\|"sample".*"x0"/,
    );
  });

  it('rejects missing fields, unknown fields and out-of-range numbers', () => {
    const { clipSample: _dropped, ...missing } = ANIMATEDIFF_DDIM_CONFIG;
    expect(parseError(missing).message).toContain('clipSample');
    expect(parseError({ ...ANIMATEDIFF_DDIM_CONFIG, clip_sample: false }).message).toContain('clip_sample');
    expect(parseError({ ...ANIMATEDIFF_DDIM_CONFIG, betaStart: 0 }).message).toContain('betaStart');
    expect(parseError({ ...ANIMATEDIFF_DDIM_CONFIG, betaEnd: 0.0001 }).message).toContain('betaEnd');
    expect(parseError({ ...ANIMATEDIFF_DDIM_CONFIG, numTrainTimesteps: 10.5 }).message).toContain('numTrainTimesteps');
    expect(parseError({ ...ANIMATEDIFF_DDIM_CONFIG, eta: 2 }).message).toContain('eta');
    expect(parseError({ ...SD_EULER_CONFIG, eta: 0.5 }).message).toContain('eta applies to ddim only');
    expect(parseError('ddim').message).toContain('expected object');
  });

  it('createScheduler rejects step counts outside 1..numTrainTimesteps, naming the value', () => {
    for (const steps of [0, 1001, 2.5]) {
      const error = creationError(() => createScheduler(ANIMATEDIFF_DDIM_CONFIG, steps));
      expect(error.code).toBe('bad-inference-steps');
      expect(error.message).toContain(`got ${steps}`);
    }
    expect(createScheduler(ANIMATEDIFF_DDIM_CONFIG, 1000).timesteps).toHaveLength(1000);
  });

  it('createScheduler rejects a steps offset that pushes past the last training timestep', () => {
    const error = creationError(() =>
      createScheduler({ ...SD_EULER_CONFIG, timestepSpacing: 'leading', stepsOffset: 1 }, 1000),
    );
    expect(error.code).toBe('bad-inference-steps');
    expect(error.message).toContain('timestep 1000');
  });

  it('createScheduler validates its config too', () => {
    const error = creationError(() => createScheduler({ ...SD_EULER_CONFIG, betaSchedule: 'cosine' as 'linear' }, 10));
    expect(error.code).toBe('bad-scheduler');
  });
});
