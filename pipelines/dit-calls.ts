import type { UserDitSource } from './models/types.ts';
import type { DitCall } from './types.ts';
import { staticShape } from './user-conditioning.ts';

/**
 * The transformer calls the source pipeline makes per step, in batch order: WanPipeline calls the model for the
 * negative prompt and the prompt separately, a batched pipeline once for both rows (one row without guidance).
 */
export function ditCalls(model: UserDitSource): DitCall[] {
  const guided = staticShape(model.denoiser.inputs.sample, [2])[0] === 2;
  return guided && model.denoiser.guidanceCalls === 'separate'
    ? [
        { call: 'negative', rows: [0] },
        { call: 'prompt', rows: [1] },
      ]
    : [{ call: 'batch', rows: guided ? [0, 1] : [0] }];
}

/** The same calls in the order the source pipeline makes them within a step (WanPipeline: the prompt first). */
export function ditCallOrder(calls: readonly DitCall[]): DitCall['call'][] {
  return [...calls].sort((a, b) => Number(b.call === 'prompt') - Number(a.call === 'prompt')).map((c) => c.call);
}
