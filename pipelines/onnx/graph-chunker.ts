import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { RowLookup, RowPlan } from './chunk-row-rules.ts';
import { attribute, rowPlan } from './chunk-row-rules.ts';
import type { OnnxModel } from './model-file.ts';
import { statedSignatures } from './model-file.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** How FME chunking rewrote a graph: regions found, the rows each slices and the chunk count each got. */
export interface ChunkedGraph {
  model: OnnxModel;
  regions: { rows: number; chunks: number; nodes: number }[];
}

/** Chunk counts for regions over batch×frames rows (spatial layers) and over any other row axis (temporal layers). */
export interface GraphChunkCounts {
  batchFrames: number;
  spatial: number;
}

/**
 * Token chunking of a transformer: regions over exactly one of `tokenCounts` rows (the image tokens; with joint
 * attention also image + text tokens) get `chunks` slices each. Other token counts (the text stream) are left
 * whole: a region over them would hoist the image stream's nodes out of chunking.
 */
export interface TokenChunking {
  tokenCounts: number[];
  chunks: number;
}

/** Which rows regions slice: the leading axis (UNets: batch×frames, batch×positions) or the token axis of [B, S, D] states. */
interface RowMode {
  kind: 'leading' | 'tokens';
  accepts(rows: number): boolean;
  chunksFor(rows: number): number;
  describe: string;
}

const HEAVY = new Set(['Conv', 'MatMul', 'Gemm', 'MultiHeadAttention']);

const toNumber = (v: unknown): number => Number(typeof v === 'object' && v !== null ? String(v) : v);

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
  return chunkRows(model, {
    kind: 'leading',
    accepts: (rows) => rows >= batchFrames,
    chunksFor: (rows) => (rows === batchFrames ? counts.batchFrames : counts.spatial),
    describe: `over ${batchFrames} (batch×frames) or more rows`,
  });
}

/**
 * The same rewrite over the token axis of a diffusion transformer: regions slice the tokens (axis 1 of [B, S, D]
 * states, followed through reshapes and transposes into per-head layouts), so projections, norms over the last
 * axis, feed-forward layers and residual adds run token rows at a time, and attention runs by query rows with its
 * keys and values read whole. Per-token tables (rotary cos/sin) are split along their token axis; [B, 1, D]
 * modulation rows are shared by every slice. Tokens run frame by frame, so whole slices are whole frames when the
 * chunk count divides the frames.
 */
export function chunkTokenGraph(model: OnnxModel, chunking: TokenChunking): ChunkedGraph {
  return chunkRows(model, {
    kind: 'tokens',
    accepts: (rows) => chunking.tokenCounts.includes(rows),
    chunksFor: () => chunking.chunks,
    describe: `over ${chunking.tokenCounts.join(' or ')} token rows`,
  });
}

function chunkRows(model: OnnxModel, mode: RowMode): ChunkedGraph {
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
  const lookup: RowLookup = {
    shape: (name) => shapes.get(name),
    ints: (name) => (name && constants.has(name) ? constantValues(constants.get(name)!) : null),
  };
  const dims = (name: string) => shapes.get(name);

  // Where a node read only from outside a region keeps its rows: the batch axis, or for tokens the query rows of
  // attention and matrix products and the token axis of [B, S, D] states.
  const startAxis = (node: NodeProto): { anchor: number; axis: number } | null => {
    if (mode.kind === 'leading') return { anchor: 0, axis: 0 };
    const op = node.opType ?? '';
    const first = node.input?.[0] ? dims(node.input[0]) : undefined;
    if (op === 'MatMul') return first && first.length >= 2 ? { anchor: 0, axis: first.length - 2 } : null;
    // A [B, 1, D] input (modulation) is broadcast over the tokens, so the anchor is a [B, S, D] input with S > 1.
    const anchor = (node.input ?? []).findIndex((name) => name && dims(name)?.length === 3 && dims(name)![1]! > 1);
    return anchor < 0 ? null : { anchor, axis: 1 };
  };
  const rowsOf = (node: NodeProto): number | undefined => {
    if (mode.kind === 'leading') return node.output?.[0] ? dims(node.output[0])?.[0] : undefined;
    const start = startAxis(node);
    return start ? dims(node.input![start.anchor]!)?.[start.axis] : undefined;
  };

  // The plan of `node` in a region of `rows` rows whose tensors so far are `inside` (name → row axis), or null.
  const planFor = (node: NodeProto, rows: number, inside: Map<string, number>): RowPlan | null => {
    const raw = node.input ?? [];
    const outputs = node.output ?? [];
    if (!outputs.length) return null;
    const insideAt = raw.findIndex((name) => name && inside.has(name));
    const start = insideAt >= 0 ? { anchor: insideAt, axis: inside.get(raw[insideAt]!)! } : startAxis(node);
    if (!start) return null;
    const plan = rowPlan(node, start.anchor, start.axis, lookup);
    if (!plan) return null;
    if (mode.kind === 'leading' && [...plan.inputs, ...plan.outputs].some((a) => a !== null && a !== 0)) return null;
    if (outputs.some((o, k) => !((dims(o)?.[plan.outputs[k]!] ?? 0) > 0 && dims(o)![plan.outputs[k]!]! % rows === 0))) return null;
    const rowInputs = raw.flatMap((name, k) => (name && plan.inputs[k] !== null && plan.inputs[k] !== undefined ? [[name, plan.inputs[k]!] as const] : []));
    if (!rowInputs.length) return null;
    const sizes = rowInputs.map(([name, axis]) => dims(name)?.[axis]);
    // Rows read from outside must be one per row; inside, a row may have split into whole sub-rows (heads).
    const rowsOk = rowInputs.every(([name, axis], k) => (inside.has(name) ? inside.get(name) === axis && sizes[k]! % rows === 0 : sizes[k] === rows)) && sizes.every((s) => s === sizes[0]);
    const shared = raw.filter((name, k) => name && (plan.inputs[k] === null || plan.inputs[k] === undefined));
    if (!rowsOk || shared.some((n) => inside.has(n) || !shapes.has(n))) return null;
    return plan;
  };

  const nodes = graph.node ?? [];
  const out: NodeProto[] = [];
  const added: TensorProto[] = [];
  const addedNames = new Set<string>();
  const regions: ChunkedGraph['regions'] = [];
  let i = 0;
  while (i < nodes.length) {
    const first = nodes[i]!;
    const rows = rowsOf(first);
    if (!rows || !mode.accepts(rows) || !planFor(first, rows, new Map())) {
      out.push(first);
      i++;
      continue;
    }
    const region: { node: NodeProto; plan: RowPlan }[] = [];
    const hoisted: NodeProto[] = [];
    const inside = new Map<string, number>();
    let j = i;
    for (; j < nodes.length; j++) {
      const node = nodes[j]!;
      const plan = planFor(node, rows, inside);
      if (plan) {
        region.push({ node, plan });
        (node.output ?? []).forEach((o, k) => inside.set(o, plan.outputs[k]!));
      } else if ((node.input ?? []).some((name) => inside.has(name))) {
        break;
      } else {
        hoisted.push(node);
      }
    }
    const chunks = Math.min(mode.chunksFor(rows), rows);
    if (chunks < 2 || !region.some((r) => HEAVY.has(r.node.opType ?? ''))) {
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
    // An input read from outside is split once per axis it is read along (a square table could be read either way).
    const splitName = (name: string, axis: number, c: number) => (axis === 0 ? `${name}::${tag}:${c}` : `${name}::${tag}@${axis}:${c}`);
    const splits = new Set<string>();
    const rowAxis = (plan: RowPlan, k: number) => plan.inputs[k] ?? null;
    for (const { node, plan } of region) {
      (node.input ?? []).forEach((name, k) => {
        const axis = rowAxis(plan, k);
        if (!name || inside.has(name) || axis === null || splits.has(`${name}@${axis}`)) return;
        splits.add(`${name}@${axis}`);
        const parts = sizes.map((_, c) => splitName(name, axis, c));
        out.push(new onnx.NodeProto({ name: axis === 0 ? `${tag}/split/${name}` : `${tag}/split@${axis}/${name}`, opType: 'Split', input: [name, splitSizes], output: parts, attribute: [{ name: 'axis', type: 2, i: axis }] }));
      });
    }
    for (let c = 0; c < chunks; c++) {
      const local = (name: string) => `${name}::${tag}:${c}`;
      for (const { node, plan } of region) {
        const copy = onnx.NodeProto.decode(onnx.NodeProto.encode(node).finish());
        copy.name = local(node.name || node.output![0]!);
        copy.input = (node.input ?? []).map((name, k) => {
          const axis = rowAxis(plan, k);
          return !name ? name : inside.has(name) ? local(name) : axis !== null ? splitName(name, axis, c) : name;
        });
        copy.output = (node.output ?? []).map(local);
        // A row count written into a Reshape target or a Resize size shrinks with the slice.
        const sizeInput = node.opType === 'Reshape' ? 1 : node.opType === 'Resize' && !lookup.ints(node.input?.[2])?.length ? 3 : -1;
        if (sizeInput >= 0) {
          const axis = plan.outputs[0]!;
          const values = [...lookup.ints(node.input![sizeInput])!];
          // A -1 is inferred from the slice's size, and a 0 copies the slice's size.
          if (values[axis]! > 0) values[axis] = (values[axis]! / rows) * sizes[c]!;
          // Several nodes of a region may read one shape constant: its slice-sized copy is added once per slice.
          const sliced = axis === 0 ? local(node.input![sizeInput]!) : `${node.input![sizeInput]!}::${tag}@${axis}:${c}`;
          if (!addedNames.has(sliced)) {
            addedNames.add(sliced);
            added.push(int64Initializer(sliced, values));
          }
          copy.input[sizeInput] = sliced;
        }
        out.push(copy);
      }
    }
    for (const [name, axis] of inside) {
      if (!later.has(name)) continue;
      out.push(new onnx.NodeProto({ name: `${tag}/concat/${name}`, opType: 'Concat', input: sizes.map((_, c) => `${name}::${tag}:${c}`), output: [name], attribute: [{ name: 'axis', type: 2, i: axis }] }));
    }
    regions.push({ rows, chunks, nodes: region.length });
    i = j;
  }
  if (!regions.length) {
    const produced = nodes.flatMap((n) => n.output ?? []).filter(Boolean);
    const shaped = produced.filter((name) => shapes.has(name)).length;
    throw new HarnessError(
      'nothing-to-chunk',
      `no region of row-independent convolutions or matrix products ${mode.describe} was found in the graph; regions are found from the static shapes the graph states for its tensors (value_info), and ${shaped} of its ${produced.length} node outputs have one`,
    );
  }

  const result = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  result.graph!.node = out;
  result.graph!.initializer = [...(graph.initializer ?? []), ...added];
  return { model: result, regions };
}
