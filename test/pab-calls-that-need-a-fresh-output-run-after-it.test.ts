import { describe, expect, it } from 'vitest';
import { broadcastGraphsRun, broadcastRuns } from '../pipelines/attention-broadcast-plan.ts';
import { attentionBroadcastSchedule, reusedKeys } from '../pipelines/attention-broadcast-schedule.ts';
import type { AttentionBroadcastConfig } from '../pipelines/types.ts';

// diffusers' counters are shared by WanPipeline's two calls (prompt first): a call that broadcasts what the other
// call computed at the same step must run after it; calls that only read outputs kept from earlier steps share
// one run. The graphs a step runs follow from that.
const config: AttentionBroadcastConfig = { spatialAttentionBlockSkipRange: 3, spatialAttentionTimestepSkipRange: [100, 960], crossAttentionBlockSkipRange: 2, crossAttentionTimestepSkipRange: [100, 800] };
const timesteps = [999, 954, 900, 833, 750, 643, 500, 301];

describe('pab runs per step', () => {
  const schedule = attentionBroadcastSchedule(config, timesteps, ['prompt', 'negative']);

  it('counts calls, not steps, and computes out of range', () => {
    expect(schedule[1]!.map((c) => c.attention.map((a) => [a.kind, a.iteration, a.inTimestepRange, a.computed]))).toEqual([
      [['spatial', 2, true, false], ['cross', 2, false, true]],
      [['spatial', 3, true, true], ['cross', 3, false, true]],
    ]);
  });

  it('runs a call after the call whose fresh output it broadcasts, and shares a run otherwise', () => {
    const runs = schedule.map((step) => broadcastRuns(step).map((run) => run.map((c) => c.call)));
    // Step 3: the prompt call computes spatial attention and the negative prompt's call broadcasts it.
    expect(runs[3]).toEqual([['prompt'], ['negative']]);
    // Step 2: both calls broadcast spatial attention kept from step 1: one run.
    expect(runs[2]).toEqual([['prompt', 'negative']]);
    // Step 1: the prompt call broadcasts the negative prompt's step-0 output, the negative prompt's call computes:
    // one run, two graphs (each call takes its rows).
    expect(runs[1]).toEqual([['prompt', 'negative']]);
    expect(broadcastGraphsRun(schedule[1]!)).toEqual(['spatial', '']);
    expect(reusedKeys(schedule).sort()).toEqual(['', 'cross', 'spatial', 'spatial+cross']);
  });

  it('a batched call never waits on another call, and its counter advances once per step', () => {
    const batched = attentionBroadcastSchedule(config, timesteps, ['batch']);
    expect(batched.every((step) => broadcastRuns(step).length === 1)).toBe(true);
    expect(batched.map((step) => step[0]!.attention.map((a) => a.computed))).toEqual([
      [true, true],
      [false, true],
      [false, true],
      [true, true],
      [false, true],
      [false, false],
      [true, true],
      [false, false],
    ]);
  });
});
