// Cuts a graph in two at a set of boundary tensors: a head that computes them, and a rest that takes, as inputs,
// every tensor it reads from the head. The tensors crossing the cut are found from the graph, not listed by hand.
// The same cut without a head takes tensors in the middle of the graph as inputs whose values come from elsewhere
// (an earlier run); its counterpart returns them.
import type onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel, TensorSignature } from './model-file.ts';
import type { GraphCut } from './types.ts';
import { closestNames, nodeOutputNames, statedSignatures, valueInfoOf } from './model-file.ts';
import { backwardSlice, cloneModel, namesRead } from './graph-splitter.ts';

/** Indices of the nodes that `wanted` depends on (and the names they read, added to `wanted`). */
function slice(nodes: readonly onnxProto.onnx.INodeProto[], wanted: Set<string>): Set<number> {
  const kept = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!(nodes[i]!.output ?? []).some((name) => wanted.has(name))) continue;
    kept.add(i);
    namesRead(nodes[i]!, wanted);
  }
  return kept;
}

/** Keeps the graph inputs that some node reads (ONNX Runtime asks for a feed of every declared input). */
function keepReadInputs(graph: onnxProto.onnx.IGraphProto, extra: readonly TensorSignature[]): void {
  const read = new Set<string>((graph.output ?? []).map((o) => o.name ?? ''));
  for (const n of graph.node ?? []) namesRead(n, read);
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  graph.input = [...(graph.input ?? []).filter((i) => read.has(i.name ?? '') || initializers.has(i.name ?? '')), ...extra.map((s) => valueInfoOf(s))];
}

/**
 * Cuts `model` after the nodes `boundary` depends on. A constant the rest also reads is copied into it rather than
 * handed across. Every crossing tensor needs a stated element type (value_info), since it becomes a graph input.
 */
export function cutGraph(model: OnnxModel, boundary: readonly string[]): GraphCut {
  const produced = nodeOutputNames(model);
  for (const name of boundary) {
    if (!produced.has(name)) throw new HarnessError('unknown-tensor', `cannot cut after "${name}": no node produces it; closest tensor names: ${closestNames(name, produced).join(', ')}`);
  }
  const nodes = model.graph!.node ?? [];
  const inHead = slice(nodes, new Set(boundary));
  const needed = new Set((model.graph!.output ?? []).map((o) => o.name ?? ''));
  const inRest = new Set<number>();
  const crossed = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const wanted = (n.output ?? []).filter((name) => needed.has(name));
    if (!wanted.length) continue;
    if (inHead.has(i) && !(n.opType === 'Constant' && !(n.input ?? []).length)) {
      for (const name of wanted) crossed.add(name);
      continue;
    }
    inRest.add(i);
    namesRead(n, needed);
  }
  const order = nodes.flatMap((n) => n.output ?? []);
  const crossingNames = [...boundary, ...order.filter((name) => crossed.has(name) && !boundary.includes(name))];
  const crossing = signaturesAt(model, crossingNames);

  const head = cloneModel(model);
  head.graph!.node = (head.graph!.node ?? []).filter((_, i) => inHead.has(i));
  head.graph!.output = crossing.map((s) => valueInfoOf(s));
  backwardSlice(head.graph!);
  keepReadInputs(head.graph!, []);

  const rest = restTaking(model, (i) => inRest.has(i), crossing);
  return { head, rest, crossing };
}

/** Each tensor's stated signature; a tensor that becomes a graph input needs a stated element type. */
function signaturesAt(model: OnnxModel, names: readonly string[]): TensorSignature[] {
  const stated = statedSignatures(model);
  return names.map((name): TensorSignature => {
    const signature = stated.get(name);
    if (!signature?.elementType || signature.elementType.startsWith('type-')) {
      throw new HarnessError('missing-shape', `cannot cut the graph at "${name}": the graph states no element type for it (value_info); export with shapes inferred`);
    }
    return { ...signature, name };
  });
}

/** The nodes `keep` admits that the outputs need, with `crossing` taken as inputs. */
function restTaking(model: OnnxModel, keep: (index: number) => boolean, crossing: readonly TensorSignature[]): OnnxModel {
  const rest = cloneModel(model);
  rest.graph!.node = (rest.graph!.node ?? []).filter((_, i) => keep(i));
  backwardSlice(rest.graph!);
  keepReadInputs(rest.graph!, crossing);
  return rest;
}

/**
 * The graph with the tensors `names` taken as inputs instead of computed: the cut without a head, for tensors in
 * the middle of the graph whose values come from elsewhere (an earlier run). Nodes only they needed are dropped.
 */
export function graphTakingInputs(model: OnnxModel, names: readonly string[]): OnnxModel {
  const produced = nodeOutputNames(model);
  for (const name of names) {
    if (!produced.has(name)) throw new HarnessError('unknown-tensor', `cannot take "${name}" as an input: no node produces it; closest tensor names: ${closestNames(name, produced).join(', ')}`);
  }
  const replaced = new Set(names);
  const nodes = model.graph!.node ?? [];
  for (const n of nodes) {
    if ((n.output ?? []).some((o) => replaced.has(o)) && (n.output ?? []).length > 1) {
      throw new HarnessError('bad-cut', `cannot take "${n.output!.find((o) => replaced.has(o))}" as an input: node "${n.name}" also makes ${n.output!.length - 1} other outputs`);
    }
  }
  return restTaking(model, (i) => !(nodes[i]!.output ?? []).some((o) => replaced.has(o)), signaturesAt(model, names));
}

/** The graph also returning the tensors `names` (the cut's head side, without removing anything). */
export function graphReturning(model: OnnxModel, names: readonly string[]): OnnxModel {
  const outputs = new Set((model.graph!.output ?? []).map((o) => o.name ?? ''));
  const returning = cloneModel(model);
  returning.graph!.output = [...(returning.graph!.output ?? []), ...signaturesAt(model, names.filter((n) => !outputs.has(n))).map((s) => valueInfoOf(s))];
  return returning;
}
