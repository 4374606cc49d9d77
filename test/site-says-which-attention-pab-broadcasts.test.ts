import { describe, expect, it } from 'vitest';
import { ditVariantMeaning } from '../reports/site-model-architecture.ts';

// A pab variant's line on the report pages says which attention kinds it broadcast, how often and in which
// timesteps, from the recorded spec.
describe('pab on a diffusion transformer, in words', () => {
  it('names each kind with its block skip range and timestep range, or that it always computes', () => {
    const meaning = ditVariantMeaning({ name: 'pab', kind: 'pab', spatialAttentionBlockSkipRange: 2, spatialAttentionTimestepSkipRange: [100, 800], crossAttentionBlockSkipRange: null, crossAttentionTimestepSkipRange: [100, 800] }, 4);
    expect(meaning).toBe("pyramid attention broadcast: spatial attention computed at one transformer call in 2 inside timesteps (100, 800), each block's last output broadcast between; cross attention always computed");
  });
});
