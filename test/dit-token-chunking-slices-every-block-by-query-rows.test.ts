import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ditTokenChunking } from '../pipelines/dit-token-chunking.ts';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import { fuseAttention } from '../pipelines/onnx/attention-fusion.ts';
import { chunkTokenGraph } from '../pipelines/onnx/graph-chunker.ts';
import type { OnnxModel } from '../pipelines/onnx/model-file.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import onnxProto from 'onnx-proto';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// A region ends where attention needs keys and values computed in it, so each transformer block's work lands in
// token regions: the first from block 0's input norm to its keys and values, then one from each block's
// self-attention to the next block's keys and values, and the last through the output projection (blocks + 1).
// Every attention runs once per slice of query rows and reads its keys and values whole.
const CHUNKS = 4;

function attentionNodes(model: OnnxModel) {
  return (model.graph!.node ?? []).filter((n) => n.opType === 'MultiHeadAttention');
}

function expectQueryRowAttention(source: OnnxModel, chunked: OnnxModel): void {
  const before = attentionNodes(source);
  const after = attentionNodes(chunked);
  expect(before.length).toBeGreaterThan(0);
  expect(after.length).toBe(before.length * CHUNKS);
  const sliced = (name: string | null | undefined) => /::fme\d+(@\d+)?:\d+$/.test(name ?? '');
  for (const node of after) {
    expect(sliced(node.input![0]), `${node.name} reads a slice of query rows`).toBe(true);
    expect(sliced(node.input![1]) || sliced(node.input![2]), `${node.name} reads keys and values whole`).toBe(false);
  }
}

function tokenAxisSplits(model: OnnxModel): number {
  return (model.graph!.node ?? []).filter((n) => n.opType === 'Split' && n.name?.startsWith('fme') && Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 0) !== 0).length;
}

describe('token chunking of transformer graphs', () => {
  for (const fixture of ['wan-tiny', 'easyanimate-tiny']) {
    it(`${fixture}: blocks + 1 regions over the image tokens, attention by query rows`, async () => {
      const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
      const source = fuseAttention(await readOnnxModel(model.denoiser.path)).model;
      const { model: chunked, regions } = chunkTokenGraph(source, ditTokenChunking(model, CHUNKS));
      const { image, text } = model.denoiser.tokens;
      const blocks = model.denoiser.architecture.blocks.count;
      expect(regions.filter((r) => r.rows === image).length).toBe(blocks + 1);
      // Joint attention (text and image tokens in one attention) runs over both streams' tokens, once per block.
      const joint = model.denoiser.architecture.textConditioning === 'joint-attention';
      expect(regions.filter((r) => r.rows === image + text).length).toBe(joint ? blocks : 0);
      expect(regions.every((r) => r.chunks === CHUNKS)).toBe(true);
      expect(tokenAxisSplits(chunked)).toBeGreaterThan(0);
      expectQueryRowAttention(source, chunked);
    });
  }

  it('built dit-tiny: blocks + 1 regions, attention by query rows', () => {
    const tiny = getDitPreset('dit-tiny');
    const built = buildDitGraph(tiny, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 2 }, 7).build();
    const source = onnxProto.onnx.ModelProto.decode(built.modelBytes);
    const tokens = ditTokenShape(tiny, 2)[1]!;
    const { model: chunked, regions } = chunkTokenGraph(source, { tokenCounts: [tokens], chunks: CHUNKS });
    expect(regions.map((r) => r.rows)).toEqual(new Array(tiny.transformer.layers + 1).fill(tokens));
    expectQueryRowAttention(source, chunked);
  });
});
