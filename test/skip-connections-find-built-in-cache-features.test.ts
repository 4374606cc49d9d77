import { expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { buildUnetGraph, unetBranchCount } from '../pipelines/models/unet.ts';
import { findSkipConnections } from '../pipelines/onnx/skip-connections.ts';
import { TINY, VIDEOS, WEIGHT_SEED, builtCacheTensor } from './fixtures/built-unet-cut.ts';

const { onnx } = onnxProto;

it('on the built-in tiny UNet, the cut point found for each branch is the tensor its full-with-cache graph caches', () => {
  const built = buildUnetGraph(TINY, { mode: 'full', cacheBranch: 0, chunks: null, frames: TINY.frames, videos: VIDEOS }, WEIGHT_SEED).build();
  const skips = findSkipConnections(onnx.ModelProto.decode(built.modelBytes));
  // conv_in, one skip per down layer, one per downsampler.
  const levels = TINY.unet.blockChannels.length;
  expect(skips).toHaveLength(1 + unetBranchCount(TINY) + (levels - 1));
  expect(skips.filter((s) => s.skipKind === 'downsampler')).toHaveLength(levels - 1);
  for (let branch = 0; branch < unetBranchCount(TINY); branch++) {
    const found = skips.find((s) => s.branch === branch);
    expect(found?.cutTensor, `branch ${branch}`).toBe(builtCacheTensor(TINY, branch));
  }
  expect(skips.at(-1)).toMatchObject({ skipKind: 'conv_in', branch: null, label: `up_blocks.${levels - 1}.resnets.${TINY.unet.layersPerBlock}` });
});
