import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { WAN_UNIPC_CONFIG } from '../pipelines/schedulers/flow-scheduler-config.ts';
import { parseSchedulerConfig } from '../pipelines/schedulers/scheduler-config.ts';

function parseError(input: unknown): string {
  try {
    parseSchedulerConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('bad-scheduler');
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

const EULER = { kind: 'flow-match-euler', numTrainTimesteps: 1000, shift: 3 };

describe('flow-matching scheduler configs', () => {
  it('accepts the Wan preset and a flow-matching Euler config unchanged', () => {
    expect(parseSchedulerConfig(WAN_UNIPC_CONFIG)).toEqual(WAN_UNIPC_CONFIG);
    expect(parseSchedulerConfig(EULER)).toEqual(EULER);
    const dynamic = { ...EULER, dynamicShift: { timeShiftType: 'exponential', mu: 1 } };
    expect(parseSchedulerConfig(dynamic)).toEqual(dynamic);
  });

  it('lists every kind when the kind is unknown', () => {
    const message = parseError({ ...EULER, kind: 'dpm' });
    expect(message).toContain('"ddim"|"euler"|"flow-match-euler"|"unipc"');
    expect(message).toContain('"dpm"');
  });

  it('names the field and the value given', () => {
    expect(parseError({ ...EULER, shift: 0 })).toMatch(/shift: .*\(got 0\)/);
    expect(parseError({ ...EULER, betaStart: 0.1 })).toContain('betaStart');
    expect(parseError({ ...EULER, dynamicShift: { timeShiftType: 'linear', mu: 0 } })).toContain('dynamicShift.mu');
    expect(parseError({ ...WAN_UNIPC_CONFIG, solverOrder: 4 })).toMatch(/solverOrder: .*\(got 4\)/);
    expect(parseError({ ...WAN_UNIPC_CONFIG, predictionType: 'epsilon' })).toContain('flow-prediction mode only');
    expect(parseError({ ...WAN_UNIPC_CONFIG, solverType: 'bh1' })).toContain('only bh2 is supported');
    expect(parseError({ ...WAN_UNIPC_CONFIG, lowerOrderFinal: false })).toMatch(/lowerOrderFinal: must be true above order 1.*\(got false\)/);
    expect(parseSchedulerConfig({ ...WAN_UNIPC_CONFIG, solverOrder: 1, lowerOrderFinal: false })).toMatchObject({ lowerOrderFinal: false });
    const { flowShift: _dropped, ...missing } = WAN_UNIPC_CONFIG;
    expect(parseError(missing)).toContain('flowShift');
  });
});
