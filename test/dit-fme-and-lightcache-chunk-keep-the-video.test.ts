import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { BASELINE, DEEPCACHE, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// Token chunking moves token rows only, so fme gives the baseline's video and lightcache-chunk (block cache at
// interval 2 with chunked full-with-residual and cached graphs) gives deepcache's, within float32 rounding.
const TOLERANCE = 1e-5;
const TOKEN_CHUNKS = 3;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const FME: VariantConfig = { name: 'fme', kind: 'fme', cache: null, chunks: { batchFrames: 9, spatial: 2 }, tokenChunks: TOKEN_CHUNKS, sliceFrames: null, swap: false };
const LIGHTCACHE_CHUNK: VariantConfig = { ...DEEPCACHE, name: 'lightcache-chunk', kind: 'lightcache', chunks: { batchFrames: 9, spatial: 2 }, tokenChunks: TOKEN_CHUNKS };

async function attentionNodes(path: string): Promise<number> {
  return (await readOnnxModel(path)).graph!.node!.filter((n) => n.opType === 'MultiHeadAttention').length;
}

/** The token slices a prepared graph runs: the chunk indices its rewritten nodes carry in their names. */
async function slices(path: string): Promise<number[]> {
  const indices = (await readOnnxModel(path)).graph!.node!.flatMap((n) => /::fme\d+:(\d+)$/.exec(n.name ?? '')?.[1] ?? []);
  return [...new Set(indices.map(Number))].sort();
}

describe('wan-tiny: fme and lightcache-chunk chunk the transformer over tokens', async () => {
  const model = await loadDitManifest(join(USER_MODELS_DIR, 'wan-tiny', 'manifest.json'));
  const run = async (variant: VariantConfig) => {
    const request = userRequest(model, variant, { steps: 4 });
    const files = await prepareUserModels(request);
    return { files, output: await runUserPipeline(request, files) };
  };

  it('fme gives the baseline video, running every attention once per token slice', async () => {
    const plain = await run(BASELINE);
    const chunked = await run(FME);
    // Two attentions (self, cross) per block, each once per slice.
    const blocks = model.denoiser.architecture.blocks.count;
    expect(await attentionNodes(plain.files.unetFull)).toBe(2 * blocks);
    expect(await attentionNodes(chunked.files.unetFull)).toBe(2 * blocks * TOKEN_CHUNKS);
    expect(chunked.files.flops.unetFull).toBe(plain.files.flops.unetFull);
    const error = maxAbsDiff(chunked.output.frames, plain.output.frames);
    console.log(`wan-tiny fme vs baseline: max abs difference ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);

  it('lightcache-chunk gives the deepcache video, with both block-cache graphs chunked', async () => {
    const cached = await run(DEEPCACHE);
    const chunked = await run(LIGHTCACHE_CHUNK);
    expect(chunked.output.steps.map((s) => s.kind)).toEqual(['full', 'cached', 'full', 'cached']);
    expect(await attentionNodes(chunked.files.unetFull)).toBe(TOKEN_CHUNKS * (await attentionNodes(cached.files.unetFull)));
    // Branch 0 caches every block: the cached graph's token work is the output norm and projection, chunked too.
    expect(await slices(chunked.files.unetShallow!)).toEqual(Array.from({ length: TOKEN_CHUNKS }, (_, c) => c));
    expect(await slices(cached.files.unetShallow!)).toEqual([]);
    const error = maxAbsDiff(chunked.output.frames, cached.output.frames);
    console.log(`wan-tiny lightcache-chunk vs deepcache: max abs difference ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);
});
