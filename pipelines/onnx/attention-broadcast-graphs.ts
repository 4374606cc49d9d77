// The graphs of Pyramid Attention Broadcast on a diffusion transformer: each block's attention output (the fused
// attention followed by its output projection, what diffusers' Attention module returns) is found in the graph;
// the full graph also returns them, and a broadcast graph takes those of the reused kinds as inputs instead of
// computing them (the attention, its projections and the norms only they read drop out).
import type onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { AttentionKind } from '../types.ts';
import type { OnnxModel } from './model-file.ts';
import type { AttentionOutputs } from './types.ts';
import { graphReturning, graphTakingInputs } from './graph-cut.ts';

/** Nodes that move an attention result into the projection's layout without computing anything. */
const LAYOUT_OPS = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Flatten']);

/**
 * The attention outputs of a transformer graph with fused attention: after each MultiHeadAttention, through layout
 * nodes, the output projection (MatMul, plus its bias Add). An attention whose key does not depend on the latent
 * sample (`sampleInput`) attends over the text: cross-attention; one whose key does is spatial (self-) attention.
 */
export function attentionOutputs(model: OnnxModel, sampleInput: string): AttentionOutputs {
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const consumers = new Map<string, onnxProto.onnx.INodeProto[]>();
  for (const n of nodes) for (const name of n.input ?? []) consumers.set(name, [...(consumers.get(name) ?? []), n]);
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const fromSample = new Set([sampleInput]);
  for (const n of nodes) if ((n.input ?? []).some((name) => fromSample.has(name))) for (const o of n.output ?? []) fromSample.add(o);
  const found: AttentionOutputs = { spatial: [], cross: [] };
  const attention = nodes.filter((n) => n.opType === 'MultiHeadAttention');
  if (!attention.length) {
    throw new HarnessError('unsupported-model', 'pab: the transformer graph has no fused attention (MultiHeadAttention) to find attention outputs by; run it with fuseAttention: true');
  }
  for (const mha of attention) {
    const only = (name: string) => {
      const next = consumers.get(name) ?? [];
      return next.length === 1 ? next[0]! : null;
    };
    let at = only(mha.output![0]!);
    while (at && LAYOUT_OPS.has(at.opType ?? '')) at = only(at.output![0]!);
    if (!at || at.opType !== 'MatMul') {
      throw new HarnessError('unsupported-model', `pab: attention "${mha.name}" is not followed by one output projection (MatMul) through layout nodes, so its output cannot be taken alone; pab needs each attention to end in its own output projection, as Wan's self- and cross-attention do (a joint text-image attention, as in EasyAnimate, splits its output first)`);
    }
    const bias = only(at.output![0]!);
    const output = bias?.opType === 'Add' && (bias.input ?? []).some((name) => initializers.has(name)) ? bias.output![0]! : at.output![0]!;
    found[fromSample.has(mha.input?.[1] ?? '') ? 'spatial' : 'cross'].push(output);
  }
  return found;
}

/**
 * The graph for one combination of reused kinds: the attention outputs of `reused` are inputs, those of the
 * other scheduled kinds are outputs (kept for later calls). `reused` empty: the full graph returning them all.
 */
export function attentionBroadcastGraph(model: OnnxModel, outputs: AttentionOutputs, scheduled: readonly AttentionKind[], reused: readonly AttentionKind[]): OnnxModel {
  const taken = reused.flatMap((k) => outputs[k]);
  const returned = scheduled.filter((k) => !reused.includes(k)).flatMap((k) => outputs[k]);
  return graphReturning(taken.length ? graphTakingInputs(model, taken) : model, returned);
}
