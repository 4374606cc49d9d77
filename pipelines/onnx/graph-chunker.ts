import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel } from './model-file.ts';
import { statedSignatures } from './model-file.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** How FME chunking rewrote a graph: regions found and the chunk count each got. */
export interface ChunkedGraph {
  model: OnnxModel;
  regions: { leadingRows: number; chunks: number; nodes: number }[];
}

/** Chunk counts for regions over batch×frames rows (spatial layers) and over any other row axis (temporal layers). */
export interface GraphChunkCounts {
  batchFrames: number;
  spatial: number;
}

// Operators that act on each row of axis 0 independently, given the conditions checked in `fits`.
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sigmoid', 'Gelu', 'Erf', 'Tanh', 'Relu', 'Sqrt', 'Exp', 'Neg', 'Cast', 'Sin', 'Cos', 'Where', 'Max', 'Min', 'Abs', 'Reciprocal', 'Softplus', 'LeakyRelu', 'HardSigmoid', 'Identity']);
const FIRST_INPUT_ONLY = new Set(['Conv', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'Resize', 'Reshape', 'Softmax', 'Transpose', 'Unsqueeze', 'Squeeze', 'Split', 'Gemm']);
const HEAVY = new Set(['Conv', 'MatMul', 'Gemm', 'MultiHeadAttention']);

const toNumber = (v: unknown): number => Number(typeof v === 'object' && v !== null ? String(v) : v);

function attribute(node: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function constantValues(tensor: TensorProto): number[] | null {
  if (tensor.int64Data?.length) return tensor.int64Data.map(toNumber);
  if (tensor.floatData?.length) return [...tensor.floatData];
  if (tensor.int32Data?.length) return [...tensor.int32Data];
  const raw = tensor.rawData;
  if (!raw || raw.length === 0) return (tensor.dims ?? []).map(toNumber).reduce((a, b) => a * b, 1) === 0 ? [] : null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (tensor.dataType === 7) return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  if (tensor.dataType === 6) return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
  if (tensor.dataType === 1) return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  return null;
}

function int64Initializer(name: string, values: number[]): TensorProto {
  return { name, dataType: 7, dims: [values.length], int64Data: values };
}

/**
 * FME's feature chunking as a rewrite of an exported graph. Walking the nodes in order, it gathers runs of operators
 * that treat each row of axis 0 independently (convolutions, normalisations over other axes, attention matmuls,
 * element-wise maths, reshapes that keep rows whole) into regions, and runs each region over slices of its rows:
 * a Split of every input the region reads row by row, one copy of the region per slice, one Concat per output.
 * Spatial layers' rows are batch×frames, a motion module's are batch×positions, so one rule gives FME's two
 * slicers. Only rows ever move, so the result equals the original's up to summation order. Nodes in between that
 * read nothing of a region are moved ahead of it; a region with no convolution or matrix product stays as it is.
 */
export function chunkGraph(model: OnnxModel, counts: GraphChunkCounts, batchFrames: number): ChunkedGraph {
  const graph = model.graph!;
  const shapes = new Map<string, number[]>();
  for (const [name, signature] of statedSignatures(model)) {
    if (signature.shape && signature.shape.every((d) => typeof d === 'number')) shapes.set(name, signature.shape as number[]);
  }
  const constants = new Map<string, TensorProto>();
  for (const init of graph.initializer ?? []) {
    constants.set(init.name!, init);
    if (!shapes.has(init.name!)) shapes.set(init.name!, (init.dims ?? []).map(toNumber));
  }
  for (const node of graph.node ?? []) {
    if (node.opType === 'Constant' && attribute(node, 'value')?.t) {
      const t = attribute(node, 'value')!.t!;
      constants.set(node.output![0]!, t);
      shapes.set(node.output![0]!, (t.dims ?? []).map(toNumber));
    }
  }
  const leading = (name: string) => shapes.get(name)?.[0];
  const rank = (name: string) => shapes.get(name)?.length;
  const intsOf = (name: string | undefined) => (name && constants.has(name) ? constantValues(constants.get(name)!) : null);

  // Is input `index` of `node` read row by row (split with the rows), or whole (shared by every slice)?
  const readsRows = (node: NodeProto, index: number): boolean => {
    const name = node.input?.[index];
    if (!name) return false;
    const op = node.opType ?? '';
    if (ELEMENTWISE.has(op) || op === 'MatMul' || op === 'Concat') return rank(name) === rank(node.output![0]!) && leading(name) !== 1;
    // Fused attention: each row's queries attend to that row's keys and values; a per-row additive bias goes with them.
    if (op === 'MultiHeadAttention') return index <= 2 || (index === 5 && leading(name) !== 1);
    return index === 0;
  };

  // Can `node` join a region of `rows` rows whose tensors so far are `inside`?
  const fits = (node: NodeProto, rows: number, inside: Set<string>): boolean => {
    const op = node.opType ?? '';
    const outputs = node.output ?? [];
    if (!outputs.length || outputs.some((o) => !shapes.get(o)?.length || leading(o)! % rows !== 0)) return false;
    const raw = node.input ?? [];
    const rowNames = raw.filter((name, k) => readsRows(node, k));
    const shared = raw.filter((name, k) => name && !readsRows(node, k));
    // Rows read from outside must be one per row; inside, a row may have split into whole sub-rows (heads).
    const rowsOk = rowNames.length > 0 && rowNames.every((n) => (inside.has(n) ? leading(n)! % rows === 0 : leading(n) === rows)) && rowNames.every((n) => leading(n) === leading(rowNames[0]!));
    if (!rowsOk || shared.some((n) => inside.has(n) || !shapes.has(n))) return false;
    const axisOk = (name: string, fallback: number) => {
      const a = toNumber(attribute(node, name)?.i ?? fallback);
      return (a < 0 ? a + rank(raw[0]!)! : a) !== 0;
    };
    switch (op) {
      case 'Concat':
      case 'Split':
        return axisOk('axis', 0);
      case 'Softmax':
      case 'LayerNormalization':
        return axisOk('axis', -1);
      case 'Transpose':
        return toNumber(attribute(node, 'perm')?.ints?.[0] ?? rank(raw[0]!)! - 1) === 0;
      case 'Unsqueeze':
      case 'Squeeze': {
        const axes = intsOf(raw[1]) ?? attribute(node, 'axes')?.ints?.map(toNumber);
        const r = op === 'Unsqueeze' ? rank(outputs[0]!)! : rank(raw[0]!)!;
        return !!axes && axes.every((a) => (a < 0 ? a + r : a) !== 0);
      }
      case 'Reshape':
        return intsOf(raw[1]) !== null;
      case 'Resize': {
        const scales = intsOf(raw[2]);
        return leading(outputs[0]!) === leading(raw[0]!) && (scales?.length ? scales[0] === 1 : intsOf(raw[3]) !== null);
      }
      case 'Gemm':
        return toNumber(attribute(node, 'transA')?.i ?? 0) === 0 && (!raw[2] || (rank(raw[2]) ?? 1) <= 1 || leading(raw[2]) === 1);
      case 'MultiHeadAttention':
        // Only the plain [B, T, D] form: packed or per-head key/value layouts would need another split axis.
        return [0, 1, 2].every((k) => rank(raw[k] ?? '') === 3) && raw.slice(3, 5).every((name) => !name) && raw.length <= 6;
      default:
        return ELEMENTWISE.has(op) || op === 'MatMul' || FIRST_INPUT_ONLY.has(op);
    }
  };

  const nodes = graph.node ?? [];
  const out: NodeProto[] = [];
  const added: TensorProto[] = [];
  const addedNames = new Set<string>();
  const regions: ChunkedGraph['regions'] = [];
  let i = 0;
  while (i < nodes.length) {
    const first = nodes[i]!;
    const rows = first.output?.[0] ? leading(first.output[0]) : undefined;
    if (!rows || rows < batchFrames || !fits(first, rows, new Set())) {
      out.push(first);
      i++;
      continue;
    }
    const region: NodeProto[] = [];
    const hoisted: NodeProto[] = [];
    const inside = new Set<string>();
    let j = i;
    for (; j < nodes.length; j++) {
      const node = nodes[j]!;
      if (fits(node, rows, inside)) {
        region.push(node);
        for (const o of node.output ?? []) inside.add(o);
      } else if ((node.input ?? []).some((name) => inside.has(name))) {
        break;
      } else {
        hoisted.push(node);
      }
    }
    const chunks = Math.min(rows === batchFrames ? counts.batchFrames : counts.spatial, rows);
    if (chunks < 2 || !region.some((n) => HEAVY.has(n.opType ?? ''))) {
      out.push(first);
      i++;
      continue;
    }
    out.push(...hoisted);
    const later = new Set<string>((graph.output ?? []).map((o) => o.name!));
    for (const node of nodes.slice(j)) for (const name of node.input ?? []) later.add(name);
    const sizes = Array.from({ length: chunks }, (_, c) => Math.floor(rows / chunks) + (c < rows % chunks ? 1 : 0));
    const tag = `fme${regions.length}`;
    const splitSizes = `${tag}::rows`;
    added.push(int64Initializer(splitSizes, sizes));
    const splits = new Map<string, string[]>();
    for (const node of region) {
      (node.input ?? []).forEach((name, k) => {
        if (!name || inside.has(name) || splits.has(name) || !readsRows(node, k)) return;
        const parts = sizes.map((_, c) => `${name}::${tag}:${c}`);
        splits.set(name, parts);
        out.push(new onnx.NodeProto({ name: `${tag}/split/${name}`, opType: 'Split', input: [name, splitSizes], output: parts, attribute: [{ name: 'axis', type: 2, i: 0 }] }));
      });
    }
    for (let c = 0; c < chunks; c++) {
      const local = (name: string) => `${name}::${tag}:${c}`;
      for (const node of region) {
        const copy = onnx.NodeProto.decode(onnx.NodeProto.encode(node).finish());
        copy.name = local(node.name || node.output![0]!);
        copy.input = (node.input ?? []).map((name, k) => (!name ? name : inside.has(name) ? local(name) : readsRows(node, k) ? splits.get(name)![c]! : name));
        copy.output = (node.output ?? []).map(local);
        // A row count written into a Reshape target or a Resize size shrinks with the slice.
        const sizeInput = node.opType === 'Reshape' ? 1 : node.opType === 'Resize' && !intsOf(node.input?.[2])?.length ? 3 : -1;
        if (sizeInput >= 0) {
          const values = [...intsOf(node.input![sizeInput])!];
          if (values[0]! > 0) values[0] = (values[0]! / rows) * sizes[c]!;
          // Several nodes of a region may read one shape constant: its slice-sized copy is added once per slice.
          const sliced = local(node.input![sizeInput]!);
          if (!addedNames.has(sliced)) {
            addedNames.add(sliced);
            added.push(int64Initializer(sliced, values));
          }
          copy.input[sizeInput] = sliced;
        }
        out.push(copy);
      }
    }
    for (const name of inside) {
      if (!later.has(name)) continue;
      out.push(new onnx.NodeProto({ name: `${tag}/concat/${name}`, opType: 'Concat', input: sizes.map((_, c) => `${name}::${tag}:${c}`), output: [name], attribute: [{ name: 'axis', type: 2, i: 0 }] }));
    }
    regions.push({ leadingRows: rows, chunks, nodes: region.length });
    i = j;
  }
  if (!regions.length) {
    throw new HarnessError('nothing-to-chunk', `no region of row-independent convolutions or matrix products over ${batchFrames} (batch×frames) or more rows was found in the graph`);
  }

  const result = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  result.graph!.node = out;
  result.graph!.initializer = [...(graph.initializer ?? []), ...added];
  return { model: result, regions };
}
