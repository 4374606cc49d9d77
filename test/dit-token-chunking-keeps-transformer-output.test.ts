import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ditTokenChunking } from '../pipelines/dit-token-chunking.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import type { AttentionForm } from '../pipelines/onnx/types.ts';
import { fuseAttention } from '../pipelines/onnx/attention-fusion.ts';
import { provideExternalData } from '../pipelines/onnx/graph-splitter.ts';
import { chunkTokenGraph } from '../pipelines/onnx/graph-chunker.ts';
import type { OnnxModel } from '../pipelines/onnx/model-file.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, randomArray, runModelFile, writeBuiltModel } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

// Token chunking moves token rows only: the chunked transformer gives the unchunked one's output within 1e-5 of
// its magnitude (observed 0: each row's sums run in the same order). 5 chunks do not divide the token counts
// evenly (12 and 28 tokens in the fixtures, 48 in dit-tiny), so uneven slices are covered too.
const RELATIVE_TOLERANCE = 1e-5;
const CHUNKS = 5;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-dit-chunk-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectSameOutput(plainPath: string, chunked: OnnxModel, feeds: Record<string, Feed>, output: string, label: string): Promise<void> {
  const chunkedPath = join(dir, `${label}.chunked.onnx`);
  await writeFile(chunkedPath, encodeOnnxModel(chunked));
  const plain = (await runModelFile(plainPath, feeds))[output]!;
  const sliced = (await runModelFile(chunkedPath, feeds))[output]!;
  const error = maxAbsDiff(plain, sliced);
  console.log(`${label}: max abs difference ${error.toExponential(2)} (max |output| ${maxAbs(plain).toFixed(3)})`);
  expect(maxAbs(plain)).toBeGreaterThan(1e-2);
  expect(error).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, maxAbs(plain)));
}

describe('exported transformers with fused attention, chunked over tokens', () => {
  for (const fixture of ['wan-tiny', 'easyanimate-tiny']) {
    it(`${fixture}: chunked = unchunked`, async () => {
      const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
      const { denoiser } = model;
      const fused = fuseAttention(await readOnnxModel(denoiser.path)).model;
      const out = join(dir, fixture);
      await mkdir(out);
      await provideExternalData(fused, denoiser.path, out);
      const plainPath = join(out, 'transformer.fused.onnx');
      await writeFile(plainPath, encodeOnnxModel(fused));
      const { model: chunked, regions } = chunkTokenGraph(fused, ditTokenChunking(model, CHUNKS));
      expect(regions.length).toBeGreaterThan(1);
      const feeds = {
        [denoiser.inputs.sample.name]: referenceTensor(fixture, 'transformer.hidden_states'),
        [denoiser.inputs.timestep.name]: referenceTensor(fixture, 'transformer.timestep'),
        [denoiser.inputs.encoderHiddenStates.name]: referenceTensor(fixture, 'transformer.encoder_hidden_states'),
      };
      await expectSameOutput(plainPath, chunked, feeds, denoiser.outputs.noisePred.name, join(fixture, 'transformer'));
    }, 60_000);
  }
});

describe('the built dit-tiny transformer, chunked over tokens', () => {
  const tiny = getDitPreset('dit-tiny');
  const videos = 2;
  const tokens = ditTokenShape(tiny, videos)[1]!;
  for (const attention of ['fused', 'unfused'] as AttentionForm[]) {
    it(`${attention} attention: chunked = unchunked`, async () => {
      const graph = buildDitGraph(tiny, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos, attention }, 7);
      const plainPath = await writeBuiltModel(dir, `dit-tiny-${attention}.onnx`, graph.build());
      const { model: chunked, regions } = chunkTokenGraph(await readOnnxModel(plainPath), { tokenCounts: [tokens], chunks: CHUNKS });
      expect(regions.length).toBeGreaterThan(1);
      const sampleDims = [videos, tiny.latentChannels, tiny.frames, tiny.latentHeight, tiny.latentWidth];
      const contextDims = [videos, tiny.textTokens, tiny.transformer.textDim];
      const feeds: Record<string, Feed> = {
        [DIT_IO.sample]: { data: randomArray(1, sampleDims.reduce((a, b) => a * b, 1)), dims: sampleDims },
        [DIT_IO.timestep]: { data: Float32Array.of(875, 875), dims: [videos] },
        [DIT_IO.context]: { data: randomArray(2, contextDims.reduce((a, b) => a * b, 1)), dims: contextDims },
      };
      await expectSameOutput(plainPath, chunked, feeds, DIT_IO.noise, `dit-tiny-${attention}`);
    }, 60_000);
  }
});
