import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { createScheduler } from '../pipelines/schedulers/create-scheduler.ts';
import { WAN_UNIPC_CONFIG } from '../pipelines/schedulers/flow-scheduler-config.ts';

const sample = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i));
const output = (step: number) => Float32Array.from({ length: 8 }, (_, i) => Math.cos(i + step));

function run(scheduler: ReturnType<typeof createScheduler>, steps: number): Float32Array {
  let x: Float32Array = sample;
  for (let i = 0; i < steps; i++) x = scheduler.step(output(i), i, x);
  return x;
}

describe('UniPC keeps its history between steps', () => {
  it('refuses a step out of order, naming the expected and the given index', () => {
    const scheduler = createScheduler(WAN_UNIPC_CONFIG, 6);
    run(scheduler, 2);
    try {
      scheduler.step(output(3), 3, sample);
      expect.fail('expected the skipped step to be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('bad-step-index');
      expect((error as Error).message).toContain('expected step 2');
      expect((error as Error).message).toContain('got 3');
    }
  });

  it('starts over at step 0: a second run equals the first', () => {
    const scheduler = createScheduler(WAN_UNIPC_CONFIG, 6);
    const first = run(scheduler, 6);
    expect(run(scheduler, 6)).toEqual(first);
    expect(run(createScheduler(WAN_UNIPC_CONFIG, 6), 6)).toEqual(first);
  });

  it('uses its history: order 2 differs from order 1 on the same outputs', () => {
    const second = run(createScheduler(WAN_UNIPC_CONFIG, 6), 6);
    const first = run(createScheduler({ ...WAN_UNIPC_CONFIG, solverOrder: 1 }, 6), 6);
    expect(Math.max(...second.map((v, i) => Math.abs(v - first[i])))).toBeGreaterThan(1e-3);
  });
});
