import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreset } from '../pipelines/models/presets.ts';
import type { ChunkCounts, ModelPreset, UnetGraphMode } from '../pipelines/models/types.ts';
import { UNET_IO } from '../pipelines/models/types.ts';
import { buildUnetGraph, cacheFeatureShape, unetBranchCount } from '../pipelines/models/unet.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, randomArray, runModelFile, writeBuiltModel } from './fixtures/run-built-graph.ts';

// Tolerances (max abs over noise_pred, whose magnitude is logged):
//   full-with-cache vs full: 1e-6 (the same computation with one more output);
//   shallow fed the recorded cache_feature vs full: 1e-4;
//   chunked vs unchunked (any mode, noise_pred and cache_feature): 5e-5 (observed up to ~8e-6: slicing changes only
//   the order of float32 reductions).
const TOL_WITH_CACHE = 1e-6;
const TOL_SHALLOW = 1e-4;
const TOL_CHUNKED = 5e-5;
const SEED = 99;
const VIDEOS = 2;
const CHUNKINGS: ChunkCounts[] = [
  { batchFrames: 3, spatial: 2 },
  { batchFrames: 9, spatial: 2 },
];

const tiny = getPreset('tiny');
// The tiny preset has one layer per block; the sd15 and small presets have two, which puts some cuts inside an up block.
const tinyTwoLayers: ModelPreset = { ...tiny, name: 'tiny-2-layers', unet: { ...tiny.unet, layersPerBlock: 2 } };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-unet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runUnet(preset: ModelPreset, mode: UnetGraphMode, cacheBranch: number, chunks: ChunkCounts | null, feeds: Record<string, Feed>) {
  const graph = buildUnetGraph(preset, { mode, cacheBranch, chunks, frames: preset.frames, videos: VIDEOS }, SEED);
  const file = `${preset.name}-${mode}-${cacheBranch}-${chunks ? `${chunks.batchFrames}x${chunks.spatial}` : 'whole'}.onnx`;
  const path = await writeBuiltModel(dir, file, graph.build());
  return runModelFile(path, feeds);
}

function inputs(preset: ModelPreset): Record<string, Feed> {
  const n = VIDEOS * preset.frames;
  const sampleDims = [n, preset.latentChannels, preset.latentHeight, preset.latentWidth];
  const contextDims = [n, preset.text.contextLength, preset.text.width];
  return {
    [UNET_IO.sample]: { data: randomArray(1, sampleDims.reduce((a, b) => a * b, 1)), dims: sampleDims },
    [UNET_IO.timestep]: { data: Float32Array.of(601), dims: [1] },
    [UNET_IO.context]: { data: randomArray(2, contextDims.reduce((a, b) => a * b, 1)), dims: contextDims },
  };
}

for (const preset of [tiny, tinyTwoLayers]) {
  describe(`${preset.name} UNet: full, full-with-cache, shallow and chunked graphs agree`, () => {
    const feeds = inputs(preset);
    let full: Float32Array;
    const caches = new Map<number, Float32Array>();
    const branches = Array.from({ length: unetBranchCount(preset) }, (_, i) => i);
    const cacheFeed = (branch: number, data: Float32Array): Record<string, Feed> => ({
      ...feeds,
      [UNET_IO.cacheFeature]: { data, dims: cacheFeatureShape(preset, { cacheBranch: branch, frames: preset.frames, videos: VIDEOS }) },
    });
    /** The unchunked full-with-cache graph's cache_feature for a branch. */
    const cacheOf = async (branch: number) => {
      if (!caches.has(branch)) caches.set(branch, (await runUnet(preset, 'full-with-cache', branch, null, feeds))[UNET_IO.cacheFeature]!);
      return caches.get(branch)!;
    };

    beforeAll(async () => {
      full = (await runUnet(preset, 'full', 0, null, feeds))[UNET_IO.noise]!;
      console.log(`${preset.name} full noise_pred: max |value| ${maxAbs(full).toFixed(3)}`);
    });

    it('full output is finite and not degenerate', () => {
      expect(full.every(Number.isFinite)).toBe(true);
      expect(maxAbs(full)).toBeGreaterThan(1e-2);
    });

    for (const branch of branches) {
      it(`branch ${branch}: full-with-cache gives full's noise_pred (≤ ${TOL_WITH_CACHE}), and shallow fed its cache_feature reproduces it (≤ ${TOL_SHALLOW})`, async () => {
        const withCache = await runUnet(preset, 'full-with-cache', branch, null, feeds);
        const cacheError = maxAbsDiff(withCache[UNET_IO.noise]!, full);
        const cache = withCache[UNET_IO.cacheFeature]!;
        caches.set(branch, cache);
        const shallow = await runUnet(preset, 'shallow', branch, null, cacheFeed(branch, cache));
        const shallowError = maxAbsDiff(shallow[UNET_IO.noise]!, full);
        console.log(`${preset.name} branch ${branch}: full-with-cache max abs error ${cacheError.toExponential(2)}, shallow max abs error ${shallowError.toExponential(2)}`);
        expect(cacheError).toBeLessThanOrEqual(TOL_WITH_CACHE);
        expect(shallowError).toBeLessThanOrEqual(TOL_SHALLOW);
        // The shallow graph really uses the cached feature: a perturbed one moves the output.
        const perturbed = cache.map((v, i) => v + (i % 7 === 0 ? 0.5 : 0));
        const moved = await runUnet(preset, 'shallow', branch, null, cacheFeed(branch, perturbed));
        expect(maxAbsDiff(moved[UNET_IO.noise]!, full)).toBeGreaterThan(1e-3);
      });
    }

    // Both chunkings on the tiny preset; the two-layer variant checks one, to keep the file's run time down.
    for (const chunks of preset === tiny ? CHUNKINGS : CHUNKINGS.slice(0, 1)) {
      it(`chunks {batchFrames ${chunks.batchFrames}, spatial ${chunks.spatial}} agree with the unchunked graphs in every mode (≤ ${TOL_CHUNKED})`, async () => {
        const fullChunked = (await runUnet(preset, 'full', 0, chunks, feeds))[UNET_IO.noise]!;
        const errors = [`full ${maxAbsDiff(fullChunked, full).toExponential(2)}`];
        expect(maxAbsDiff(fullChunked, full)).toBeLessThanOrEqual(TOL_CHUNKED);
        for (const branch of [0, branches.length - 1]) {
          const withCache = await runUnet(preset, 'full-with-cache', branch, chunks, feeds);
          const reference = await cacheOf(branch);
          const cacheFeatureError = maxAbsDiff(withCache[UNET_IO.cacheFeature]!, reference);
          const shallow = await runUnet(preset, 'shallow', branch, chunks, cacheFeed(branch, reference));
          const shallowError = maxAbsDiff(shallow[UNET_IO.noise]!, full);
          errors.push(`branch ${branch}: cache_feature ${cacheFeatureError.toExponential(2)}, shallow ${shallowError.toExponential(2)}`);
          expect(maxAbsDiff(withCache[UNET_IO.noise]!, full)).toBeLessThanOrEqual(TOL_CHUNKED);
          expect(cacheFeatureError).toBeLessThanOrEqual(TOL_CHUNKED);
          expect(shallowError).toBeLessThanOrEqual(TOL_CHUNKED);
        }
        console.log(`${preset.name} chunks ${chunks.batchFrames}x${chunks.spatial}: max abs errors ${errors.join('; ')}`);
      });
    }
  });
}
