// A block cache on an exported diffusion transformer: the full graph also returns the residual a span of its blocks
// adds to each stream; the cached graph adds a given residual to the span's input in place of the span's blocks.
import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel, TensorSignature } from './model-file.ts';
import { nodeOutputNames, statedSignatures, valueInfoOf } from './model-file.ts';
import { CACHE_FEATURE, backwardSlice, cloneModel, renameReads } from './graph-splitter.ts';

const { onnx } = onnxProto;

/** One stream through the cached span: the tensor entering its first block, the one leaving its last, and its token count. */
export interface BlockSpanStream {
  start: string;
  end: string;
  tokens: number;
}

/** The full and cached graphs of a block cache, and how many nodes each keeps. */
export interface BlockCacheGraphs {
  full: OnnxModel;
  cached: OnnxModel;
  nodes: { full: number; cached: number };
}

const node = (name: string, opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) =>
  onnx.NodeProto.create({ name, opType, input, output, attribute });

/**
 * The two graphs of a block cache over `streams` ([batch, tokens, width] each, in this order). Residuals of
 * several streams travel as one `cache_feature`, joined along the tokens, so the denoising loop keeps one
 * feature per step whatever the block layout.
 */
export function blockCacheGraphs(model: OnnxModel, streams: readonly BlockSpanStream[]): BlockCacheGraphs {
  const produced = nodeOutputNames(model);
  const graphInputNames = new Set((model.graph!.input ?? []).map((i) => i.name ?? ''));
  for (const s of streams) {
    // A span's start may be a graph input: the rest of a graph cut after the first block takes that block's output.
    if (!produced.has(s.start) && !graphInputNames.has(s.start)) throw new HarnessError('unknown-tensor', `block cache: no node of the denoiser graph produces "${s.start}"`);
    if (!produced.has(s.end)) throw new HarnessError('unknown-tensor', `block cache: no node of the denoiser graph produces "${s.end}"`);
  }
  const stated = statedSignatures(model).get(streams[0]!.end);
  const signature: TensorSignature = { name: CACHE_FEATURE, elementType: stated?.elementType ?? 'float32', shape: [0, 1, 2].map((i) => `${CACHE_FEATURE}_dim_${i}`) };
  const joined = streams.length > 1;
  const residualName = (i: number) => (joined ? `${CACHE_FEATURE}_stream_${i}` : CACHE_FEATURE);

  const full = cloneModel(model);
  const fullGraph = full.graph!;
  const residuals = streams.map((s, i) => node(`block_cache/residual_${i}`, 'Sub', [s.end, s.start], [residualName(i)]));
  const join = joined ? [node('block_cache/join', 'Concat', streams.map((_, i) => residualName(i)), [CACHE_FEATURE], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }])] : [];
  fullGraph.node = [...(fullGraph.node ?? []), ...residuals, ...join];
  fullGraph.output = [...(fullGraph.output ?? []), valueInfoOf(signature)];

  const cached = cloneModel(model);
  const graph = cached.graph!;
  const nodes = graph.node ?? [];
  const added: onnxProto.onnx.INodeProto[] = [];
  if (joined) {
    const sizes = `${CACHE_FEATURE}_split_sizes`;
    graph.initializer = [...(graph.initializer ?? []), onnx.TensorProto.create({ name: sizes, dataType: onnx.TensorProto.DataType.INT64, dims: [streams.length], int64Data: streams.map((s) => s.tokens) })];
    added.push(node('block_cache/split', 'Split', [CACHE_FEATURE, sizes], streams.map((_, i) => residualName(i)), [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]));
  }
  streams.forEach((s, i) => {
    const replaced = `${s.end}__block_cached`;
    for (const n of nodes) renameReads(n, s.end, replaced);
    added.push(node(`block_cache/reuse_${i}`, 'Add', [s.start, residualName(i)], [replaced]));
  });
  // The reuse nodes go before the first node that reads a replaced tensor; every start tensor is made before it.
  const replacedNames = new Set(streams.map((s) => `${s.end}__block_cached`));
  const at = nodes.findIndex((n) => (n.input ?? []).some((name) => replacedNames.has(name)));
  if (at < 0) throw new HarnessError('bad-cut', `block cache: nothing reads ${streams.map((s) => `"${s.end}"`).join(', ')}; the span's last block feeds no later node`);
  const before = new Set(nodes.slice(0, at).flatMap((n) => n.output ?? []));
  const inputs = new Set([...(graph.input ?? []).map((i) => i.name ?? ''), ...(graph.initializer ?? []).map((t) => t.name ?? '')]);
  for (const s of streams) {
    if (!before.has(s.start) && !inputs.has(s.start)) throw new HarnessError('bad-cut', `block cache: "${s.start}" is made after the span it enters; the manifest's block tensors are out of order`);
  }
  graph.node = [...nodes.slice(0, at), ...added, ...nodes.slice(at)];
  graph.input = [...(graph.input ?? []), valueInfoOf(signature)];
  backwardSlice(graph);
  return { full, cached, nodes: { full: fullGraph.node.length, cached: graph.node?.length ?? 0 } };
}
