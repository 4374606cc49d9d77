import type { AttentionBroadcastConfig, AttentionDecision, AttentionKind, BroadcastCall, CallDecision } from './types.ts';

/** The attention kinds a config schedules (those with a block skip range), spatial first. */
export function scheduledKinds(config: AttentionBroadcastConfig): AttentionKind[] {
  return [...(config.spatialAttentionBlockSkipRange !== null ? (['spatial'] as const) : []), ...(config.crossAttentionBlockSkipRange !== null ? (['cross'] as const) : [])];
}

function rangesOf(config: AttentionBroadcastConfig, kind: AttentionKind): { every: number; timesteps: [number, number] } {
  return kind === 'spatial'
    ? { every: config.spatialAttentionBlockSkipRange!, timesteps: config.spatialAttentionTimestepSkipRange }
    : { every: config.crossAttentionBlockSkipRange!, timesteps: config.crossAttentionTimestepSkipRange };
}

/**
 * Pyramid Attention Broadcast's decisions for a whole run, made as diffusers' hook makes them: every attention
 * module of a kind keeps one call counter and one kept output, shared by all calls of the transformer (WanPipeline's
 * prompt and negative-prompt calls advance the same counter, and a call may reuse the output the other call made);
 * a call computes the kind when the counter is 0, the timestep lies outside the open range, or the counter is a
 * multiple of the block skip range. `calls` are the source pipeline's calls of one step in the order it makes them.
 * Every module of a kind runs once per call, so one counter per kind stands for all of them.
 */
export function attentionBroadcastSchedule(config: AttentionBroadcastConfig, timesteps: readonly number[], calls: readonly CallDecision['call'][]): BroadcastCall[][] {
  const kinds = scheduledKinds(config);
  const iteration = new Map<AttentionKind, number>(kinds.map((k) => [k, 0]));
  return timesteps.map((t) =>
    calls.map((call) => ({
      call,
      attention: kinds.map((kind): AttentionDecision => {
        const { every, timesteps: [low, high] } = rangesOf(config, kind);
        const count = iteration.get(kind)!;
        const inTimestepRange = low < t && t < high;
        iteration.set(kind, count + 1);
        return { kind, computed: count === 0 || !inTimestepRange || count % every === 0, iteration: count, inTimestepRange };
      }),
    })),
  );
}

/** The kinds a call reuses, as a key naming its broadcast graph ('' when it computes them all). */
export function reusedKey(attention: readonly AttentionDecision[]): string {
  return attention.filter((a) => !a.computed).map((a) => a.kind).join('+');
}

/** The reuse keys a schedule needs graphs for, the all-computing one ('') always among them. */
export function reusedKeys(schedule: readonly BroadcastCall[][]): string[] {
  return [...new Set(['', ...schedule.flat().map((c) => reusedKey(c.attention))])];
}
