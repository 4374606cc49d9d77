import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import type { DitGraphMode } from '../pipelines/models/types.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, randomArray, runModelFile, writeBuiltModel } from './fixtures/run-built-graph.ts';

// Tolerances (max abs over noise_pred, whose magnitude is logged):
//   head → middle → tail vs full: 1e-5 (the same operators in three sessions);
//   tail fed head tokens + the residual recorded by full-with-residual vs full: 1e-5 (adds the residual back that
//   the middle's output minus its input took out, one float32 rounding each way).
const TOLERANCE = 1e-5;
const SEED = 7;
const VIDEOS = 2;
const tiny = getDitPreset('dit-tiny');
const SPLITS: [number, number][] = [
  [1, 1],
  [0, 2],
  [3, 0],
];

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-dit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(mode: DitGraphMode, split: [number, number], feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const graph = buildDitGraph(tiny, { mode, firstBlocks: split[0], lastBlocks: split[1], videos: VIDEOS }, SEED);
  const path = await writeBuiltModel(dir, `${mode}-${split.join('-')}.onnx`, graph.build());
  return runModelFile(path, feeds);
}

function inputs(timestep: number): Record<string, Feed> {
  const sampleDims = [VIDEOS, tiny.latentChannels, tiny.frames, tiny.latentHeight, tiny.latentWidth];
  const contextDims = [VIDEOS, tiny.textTokens, tiny.transformer.textDim];
  return {
    [DIT_IO.sample]: { data: randomArray(1, sampleDims.reduce((a, b) => a * b, 1)), dims: sampleDims },
    [DIT_IO.timestep]: { data: Float32Array.of(timestep, timestep), dims: [VIDEOS] },
    [DIT_IO.context]: { data: randomArray(2, contextDims.reduce((a, b) => a * b, 1)), dims: contextDims },
  };
}

const dims = (name: string, data: Float32Array, shape: number[]): Feed => {
  expect(data.length, name).toBe(shape.reduce((a, b) => a * b, 1));
  return { data, dims: shape };
};

describe('dit-tiny transformer: head, middle and tail graphs chain into the full graph', () => {
  const feeds = inputs(875);
  let full: Float32Array;
  beforeAll(async () => {
    full = (await run('full', [1, 1], feeds))[DIT_IO.noise]!;
    console.log(`noise_pred max |x| ${maxAbs(full).toFixed(3)}`);
    expect(maxAbs(full)).toBeGreaterThan(0.1);
  });

  for (const split of SPLITS) {
    describe(`first ${split[0]} / last ${split[1]} blocks`, () => {
      const dim = tiny.transformer.heads * tiny.transformer.headDim;
      const tokenShape = ditTokenShape(tiny, VIDEOS);
      let head: Record<string, Float32Array>;
      let withResidual: Record<string, Float32Array>;
      beforeAll(async () => {
        head = await run('head', split, feeds);
        withResidual = await run('full-with-residual', split, feeds);
      });
      const carried = () => ({
        [DIT_IO.textTokens]: dims('text', head[DIT_IO.textTokens]!, [VIDEOS, tiny.textTokens, dim]),
        [DIT_IO.modulation]: dims('modulation', head[DIT_IO.modulation]!, [VIDEOS, 6, dim]),
      });

      it('full-with-residual gives the full output', () => {
        const difference = maxAbsDiff(withResidual[DIT_IO.noise]!, full);
        console.log(`split ${split}: full-with-residual vs full ${difference.toExponential(2)}`);
        expect(difference).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbs(withResidual[DIT_IO.residual]!)).toBeGreaterThan(0.01);
      });

      it('head → middle → tail gives the full output, and the middle records the same residual', async () => {
        const middle = await run('middle', split, { [DIT_IO.headTokens]: dims('tokens', head[DIT_IO.headTokens]!, tokenShape), ...carried() });
        const tail = await run('tail', split, {
          [DIT_IO.middleTokens]: dims('tokens', middle[DIT_IO.middleTokens]!, tokenShape),
          ...carried(),
          [DIT_IO.timeEmbedding]: dims('temb', head[DIT_IO.timeEmbedding]!, [VIDEOS, dim]),
        });
        const difference = maxAbsDiff(tail[DIT_IO.noise]!, full);
        console.log(`split ${split}: head → middle → tail vs full ${difference.toExponential(2)}`);
        expect(difference).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDiff(middle[DIT_IO.residual]!, withResidual[DIT_IO.residual]!)).toBeLessThanOrEqual(TOLERANCE);
      });

      it('tail fed head tokens + the recorded residual gives the full output; a residual from another step does not', async () => {
        const tailWith = async (residual: Float32Array) => {
          const tokens = head[DIT_IO.headTokens]!.map((v, i) => v + residual[i]!);
          const out = await run('tail', split, {
            [DIT_IO.middleTokens]: dims('tokens', tokens, tokenShape),
            ...carried(),
            [DIT_IO.timeEmbedding]: dims('temb', head[DIT_IO.timeEmbedding]!, [VIDEOS, dim]),
          });
          return out[DIT_IO.noise]!;
        };
        const cached = await tailWith(withResidual[DIT_IO.residual]!);
        const difference = maxAbsDiff(cached, full);
        console.log(`split ${split}: tail(head + recorded residual) vs full ${difference.toExponential(2)}`);
        expect(difference).toBeLessThanOrEqual(TOLERANCE);
        // The residual recorded at another timestep stands in for this step's: the output moves (what a cached step trades).
        const stale = (await run('full-with-residual', split, inputs(125)))[DIT_IO.residual]!;
        const staleDifference = maxAbsDiff(await tailWith(stale), full);
        console.log(`split ${split}: with a residual from timestep 125 instead of 875: ${staleDifference.toExponential(2)}`);
        expect(staleDifference).toBeGreaterThan(100 * TOLERANCE);
      });
    });
  }

  it('the head states the patch tokens, and splits that leave no middle block are refused with the accepted range', () => {
    const head = buildDitGraph(tiny, { mode: 'head', firstBlocks: 1, lastBlocks: 1, videos: VIDEOS }, SEED, false).signature();
    expect(head.outputs.map((o) => o.name)).toEqual([DIT_IO.patchTokens, DIT_IO.headTokens, DIT_IO.textTokens, DIT_IO.modulation, DIT_IO.timeEmbedding]);
    expect(() => buildDitGraph(tiny, { mode: 'head', firstBlocks: 2, lastBlocks: 2, videos: VIDEOS }, SEED, false)).toThrow(
      /firstBlocks 2, lastBlocks 2 does not fit preset dit-tiny's 4 blocks: .*firstBlocks \+ lastBlocks ≤ 3/,
    );
    expect(() => buildDitGraph(tiny, { mode: 'tail', firstBlocks: -1, lastBlocks: 1, videos: VIDEOS }, SEED, false)).toThrow(RangeError);
  });
});
