// The graphs of a first-block cache on a diffusion transformer: a head through the first block that also returns
// that block's residual on the image stream (what the cache measures), the rest of the transformer returning the
// residual the remaining blocks add, and the rest with that residual added in place of the remaining blocks.
import onnxProto from 'onnx-proto';
import type { OnnxModel } from './model-file.ts';
import type { BlockStream, RuntimeCacheGraphs } from './types.ts';
import { statedSignatures, valueInfoOf } from './model-file.ts';
import { blockCacheGraphs } from './block-cache-graphs.ts';
import { cutGraph } from './graph-cut.ts';

const { onnx } = onnxProto;

/** Output of the head graph: the first block's output minus its input on the image stream. */
export const FIRST_BLOCK_RESIDUAL = 'first_block_residual';

/** The graphs of a first-block cache over `streams`, the image stream first (its first-block residual decides). */
export function firstBlockCacheGraphs(model: OnnxModel, streams: readonly BlockStream[]): RuntimeCacheGraphs {
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
