import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { chunkGraph } from '../pipelines/onnx/graph-chunker.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { TINY, unetFeeds as builtUnetFeeds, writeBuiltFullUnet } from './fixtures/built-unet-cut.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES, unetFeeds } from './fixtures/user-model-reference.ts';

// FME chunking of a whole graph moves rows only: the chunked UNet gives the original's output within 1e-5
// (observed 0), after both kinds of region were found: batch×frames rows (spatial layers) and batch×positions
// rows (motion modules / temporal attention).
const TOLERANCE = 1e-5;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-chunk-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectSameOutput(source: string, chunkedPath: string, feeds: Record<string, Feed>, output: string): Promise<void> {
  const plain = (await runModelFile(source, feeds))[output]!;
  const chunked = (await runModelFile(chunkedPath, feeds))[output]!;
  expect(maxAbs(plain)).toBeGreaterThan(1e-2);
  expect(maxAbsDiff(plain, chunked)).toBeLessThanOrEqual(TOLERANCE);
}

for (const fixture of USER_MODEL_FIXTURES) {
  it(`${fixture}: the exported UNet chunked 3×2 keeps its output`, async () => {
    const model = await loadModelManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    const [batch, framesAxis] = [model.unet.inputs.sample.shape![0] as number, model.latent.frames];
    const { model: chunked, regions } = chunkGraph(await readOnnxModel(model.unet.path), { batchFrames: 3, spatial: 2 }, batch * framesAxis);
    const spatial = regions.filter((r) => r.rows === batch * framesAxis);
    const temporal = regions.filter((r) => r.rows > batch * framesAxis);
    expect(spatial.length).toBeGreaterThan(0);
    expect(temporal.length).toBeGreaterThan(0);
    expect(spatial.every((r) => r.chunks === 3) && temporal.every((r) => r.chunks === 2)).toBe(true);
    const out = join(dir, fixture);
    await mkdir(out);
    await link(join(USER_MODELS_DIR, fixture, 'unet.onnx.data'), join(out, 'unet.onnx.data'));
    await writeFile(join(out, 'unet.onnx'), encodeOnnxModel(chunked));
    await expectSameOutput(model.unet.path, join(out, 'unet.onnx'), unetFeeds(fixture, model), model.unet.outputs.noisePred.name);
  }, 60_000);
}

describe('the built-in tiny UNet', () => {
  it('chunked 2×2 by the same rewrite keeps its output', async () => {
    const source = await writeBuiltFullUnet(dir, TINY, 0);
    const batchFrames = 2 * TINY.frames;
    const { model, regions } = chunkGraph(await readOnnxModel(source), { batchFrames: 2, spatial: 2 }, batchFrames);
    expect(regions.some((r) => r.rows === batchFrames)).toBe(true);
    const path = join(dir, 'tiny-chunked.onnx');
    await writeFile(path, encodeOnnxModel(model));
    await expectSameOutput(source, path, builtUnetFeeds(TINY), 'noise_pred');
  }, 60_000);
});
