// The graphs of a first-block cache on a diffusion transformer: a head through the first block that also returns
// that block's residual on the image stream (what the cache measures), the rest of the transformer returning the
// residual the remaining blocks add, and the rest with that residual added in place of the remaining blocks.
import onnxProto from 'onnx-proto';
import type { OnnxModel } from './model-file.ts';
import { statedSignatures, valueInfoOf } from './model-file.ts';
import { blockCacheGraphs } from './block-cache-graphs.ts';
import { cutGraph } from './graph-cut.ts';

const { onnx } = onnxProto;

/** Output of the head graph: the first block's output minus its input on the image stream. */
export const FIRST_BLOCK_RESIDUAL = 'first_block_residual';

/** One stream through the blocks: the tensor entering the first block, leaving it, and leaving the last block (null when the last block does not hand it on). */
export interface FirstBlockStream {
  input: string;
  firstOutput: string;
  lastOutput: string | null;
  tokens: number;
}

/** The three graphs of a run-time cache (first-block cache, TeaCache), and the tensors the head hands the rest. */
export interface FirstBlockCacheGraphs {
  head: OnnxModel;
  /** The rest of the transformer, also returning the cached blocks' residual as `cache_feature`. */
  rest: OnnxModel;
  /** The rest with `cache_feature` added to the cached blocks' input in place of those blocks. */
  cachedRest: OnnxModel;
  crossing: string[];
}

/** The graphs of a first-block cache over `streams`, the image stream first (its first-block residual decides). */
export function firstBlockCacheGraphs(model: OnnxModel, streams: readonly FirstBlockStream[]): FirstBlockCacheGraphs {
  const cut = cutGraph(model, streams.map((s) => s.firstOutput));
  const image = streams[0]!;
  const head = cut.head.graph!;
  head.node = [...(head.node ?? []), onnx.NodeProto.create({ name: 'first_block_cache/residual', opType: 'Sub', input: [image.firstOutput, image.input], output: [FIRST_BLOCK_RESIDUAL] })];
  const stated = statedSignatures(model).get(image.firstOutput);
  head.output = [...(head.output ?? []), valueInfoOf({ name: FIRST_BLOCK_RESIDUAL, elementType: stated?.elementType ?? 'float32', shape: stated?.shape ?? null })];
  const spans = streams.filter((s) => s.lastOutput !== null).map((s) => ({ start: s.firstOutput, end: s.lastOutput!, tokens: s.tokens }));
  const { full, cached } = blockCacheGraphs(cut.rest, spans);
  return { head: cut.head, rest: full, cachedRest: cached, crossing: cut.crossing.map((c) => c.name) };
}
