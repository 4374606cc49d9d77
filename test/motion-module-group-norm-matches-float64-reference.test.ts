import { describe, expect, it } from 'vitest';
import { motionNormStats } from '../pipelines/models/unet-layers.ts';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { chunkSizes, reshape, split } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, randomArray, runGraph } from './fixtures/run-built-graph.ts';

// The motion module normalises [videos·frames, C, H, W] as GroupNorm on [videos, C, frames, H, W] does, with
// two-pass statistics gathered over row slices (mean first, then squared deviations from it), so precision holds
// for groups far from zero, and slicing the rows does not change the result.
const [VIDEOS, FRAMES, CHANNELS, GROUPS, H, W] = [2, 4, 16, 4, 6, 5];

async function normalisationError(offset: number, rowSlices = 1): Promise<number> {
  const n = VIDEOS * FRAMES;
  const perGroup = CHANNELS / GROUPS;
  const b = new GraphBuilder({ name: 'motion-norm', seed: 1 });
  const x = b.input('x', [n, CHANNELS, H, W]);
  const slices = rowSlices === 1 ? [x] : split(b, x, 2, chunkSizes(H, rowSlices));
  const stats = motionNormStats(b, slices, FRAMES, GROUPS);
  const grouped = reshape(b, x, [VIDEOS, FRAMES, GROUPS, perGroup, H * W]);
  b.output(b.op('Mul', [b.op('Sub', [grouped, stats.mean], grouped.shape), stats.rstd], grouped.shape), 'y');
  const xs = randomArray(11, n * CHANNELS * H * W).map((v) => v + offset);
  const { y } = await runGraph(b, { x: { data: xs, dims: [n, CHANNELS, H, W] } });
  // Reference: per (video, group) over frames × channels-in-group × space, biased variance, eps 1e-6; same layout as x.
  const reference = new Float64Array(xs.length);
  for (let video = 0; video < VIDEOS; video++) {
    for (let g = 0; g < GROUPS; g++) {
      const members: number[] = [];
      for (let f = 0; f < FRAMES; f++) {
        for (let c = 0; c < perGroup; c++) for (let s = 0; s < H * W; s++) members.push(((video * FRAMES + f) * CHANNELS + g * perGroup + c) * H * W + s);
      }
      const mean = members.reduce((sum, i) => sum + xs[i]!, 0) / members.length;
      const variance = members.reduce((sum, i) => sum + (xs[i]! - mean) ** 2, 0) / members.length;
      for (const i of members) reference[i] = (xs[i]! - mean) / Math.sqrt(variance + 1e-6);
    }
  }
  return maxAbsDiff(y!, reference);
}

describe('motion module group statistics', () => {
  it('match GroupNorm over (frames, channels in group, space) for centred inputs (≤ 1e-5)', async () => {
    const error = await normalisationError(0);
    console.log(`motion group norm, |mean|/std 0: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-5);
  });

  it.each([10, 100, 1000])('keep 1e-5 relative precision when a group’s mean is %i deviations from zero', async (offset) => {
    const error = await normalisationError(offset);
    console.log(`motion group norm, |mean|/std ${offset}: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-5 * offset);
  });

  it('give the same statistics when gathered over 3 row slices (≤ 1e-4)', async () => {
    const error = await normalisationError(10, 3);
    console.log(`motion group norm over 3 row slices: max abs error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-4);
  });
});
