import { describe, expect, it } from 'vitest';
import { getPreset } from '../pipelines/models/presets.ts';

// `small` stands for SD-1.5 AnimateDiff on a CPU: its attention costs per FLOP follow from the head width, so the
// width of every head, spatial and temporal, at every level must be SD-1.5's, while the channel counts shrink.
describe('the small preset’s attention heads', () => {
  const sd15 = getPreset('sd15').unet;
  const small = getPreset('small').unet;

  it('are as wide as SD-1.5’s at every level, for spatial and motion attention', () => {
    const widths = (unet: typeof small, heads: number) => unet.blockChannels.map((channels) => channels / heads);
    expect(widths(small, small.heads)).toEqual(widths(sd15, sd15.heads));
    expect(widths(small, small.motionHeads)).toEqual(widths(sd15, sd15.motionHeads));
    expect(widths(small, small.heads)).toEqual([40, 80, 160, 160]);
  });

  it('come from a narrower network, not a wider one', () => {
    small.blockChannels.forEach((channels, level) => expect(channels).toBeLessThan(sd15.blockChannels[level]!));
  });
});
