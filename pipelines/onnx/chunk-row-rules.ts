import type onnxProto from 'onnx-proto';

type NodeProto = onnxProto.onnx.INodeProto;

/** Where one node of a chunked region keeps its rows: the axis of each input read row by row (null: read whole) and of each output. */
export interface RowPlan {
  inputs: (number | null)[];
  outputs: number[];
}

/** What the row rules may look up about the graph. */
export interface RowLookup {
  /** Static shape of a tensor, when the graph states one. */
  shape(name: string): number[] | undefined;
  /** Integer values of a constant tensor (initializer or Constant node); null when it is not one. */
  ints(name: string | undefined): number[] | null;
}

// Operators that act on each element (with broadcasting) and so keep any row axis.
export const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sigmoid', 'Gelu', 'Erf', 'Tanh', 'Relu', 'Sqrt', 'Exp', 'Neg', 'Cast', 'Sin', 'Cos', 'Where', 'Max', 'Min', 'Abs', 'Reciprocal', 'Softplus', 'LeakyRelu', 'HardSigmoid', 'Identity']);
// Operators whose rows must be the leading (batch) axis: they mix everything else.
const LEADING_ONLY = new Set(['Conv', 'InstanceNormalization', 'GroupNormalization', 'Resize', 'Gemm']);
const REDUCE = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceSumSquare']);

const toNumber = (v: unknown): number => Number(typeof v === 'object' && v !== null ? String(v) : v);

export function attribute(node: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

const intAttribute = (node: NodeProto, name: string, fallback: number) => toNumber(attribute(node, name)?.i ?? fallback);
const normalize = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Axes named by a node's input `index` (opset 13+/18+) or by its `axes` attribute (older opsets); null when neither is constant. */
function axesOf(node: NodeProto, index: number, lookup: RowLookup): number[] | null {
  const name = node.input?.[index];
  if (name) return lookup.ints(name);
  const attr = attribute(node, 'axes')?.ints;
  return attr?.length ? attr.map(toNumber) : null;
}

/**
 * The row axes of `node` when input `anchor` carries its rows along `axis`, or null when the operator would mix
 * rows there. Every rule keeps what one row of the outputs depends on inside the same row of the inputs read by
 * rows; inputs read whole are the same for every row (weights, broadcast modulation, attention keys and values).
 */
export function rowPlan(node: NodeProto, anchor: number, axis: number, lookup: RowLookup): RowPlan | null {
  const op = node.opType ?? '';
  const raw = node.input ?? [];
  const outs = node.output ?? [];
  const shape = (name: string | undefined) => (name ? lookup.shape(name) : undefined);
  const rank = (name: string | undefined) => shape(name)?.length ?? -1;
  const inShape = shape(raw[anchor]);
  const outShape = shape(outs[0]);
  if (!inShape || !outShape || axis < 0 || axis >= inShape.length) return null;
  const same = (outAxis: number, rows: (number | null)[] = [axis]) => ({ inputs: raw.map((_, k) => rows[k] ?? null), outputs: outs.map(() => outAxis) });
  // Broadcasting operators: each input lines up with the output from the right; a size-1 or missing row axis is shared.
  const broadcast = (): RowPlan | null => {
    const outAxis = axis + (outShape.length - inShape.length);
    const inputs = raw.map((name) => {
      const dims = shape(name);
      if (!name || !dims) return null;
      const p = outAxis - (outShape.length - dims.length);
      return p < 0 || dims[p] === 1 ? null : p;
    });
    return { inputs, outputs: outs.map(() => outAxis) };
  };
  if (ELEMENTWISE.has(op)) return broadcast();
  if (LEADING_ONLY.has(op)) {
    if (anchor !== 0 || axis !== 0) return null;
    if (op === 'Gemm' && (intAttribute(node, 'transA', 0) !== 0 || (raw[2] && rank(raw[2]) > 1 && shape(raw[2])![0] !== 1))) return null;
    if (op === 'Resize') {
      const scales = lookup.ints(raw[2]);
      if (outShape[0] !== inShape[0] || !(scales?.length ? scales[0] === 1 : lookup.ints(raw[3]) !== null)) return null;
    }
    return same(0);
  }
  switch (op) {
    case 'Concat': {
      const plan = broadcast();
      return plan && normalize(intAttribute(node, 'axis', 0), outShape.length) !== plan.outputs[0] && plan.inputs.every((p) => p !== null) ? plan : null;
    }
    case 'Split':
      return anchor === 0 && normalize(intAttribute(node, 'axis', 0), inShape.length) !== axis ? same(axis) : null;
    case 'Softmax':
    case 'LayerNormalization':
      // Normalised axes run from `axis` to the end (Softmax before opset 13 flattens them the same way).
      return anchor === 0 && normalize(intAttribute(node, 'axis', -1), inShape.length) > axis ? same(axis) : null;
    case 'Transpose': {
      const perm = attribute(node, 'perm')?.ints?.map(toNumber) ?? inShape.map((_, i) => inShape.length - 1 - i);
      return anchor === 0 ? same(perm.indexOf(axis)) : null;
    }
    case 'Unsqueeze': {
      const axes = axesOf(node, 1, lookup)?.map((a) => normalize(a, outShape.length));
      if (anchor !== 0 || !axes) return null;
      const kept = outShape.map((_, i) => i).filter((i) => !axes.includes(i));
      return same(kept[axis]!);
    }
    case 'Squeeze': {
      const axes = (axesOf(node, 1, lookup) ?? inShape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normalize(a, inShape.length));
      return anchor === 0 && !axes.includes(axis) ? same(axis - axes.filter((a) => a < axis).length) : null;
    }
    case 'Slice': {
      const axes = lookup.ints(raw[3])?.map((a) => normalize(a, inShape.length));
      return anchor === 0 && axes && !axes.includes(axis) ? same(axis) : null;
    }
    case 'Reshape':
      return anchor === 0 ? reshapePlan(node, axis, inShape, outShape, lookup) : null;
    case 'MatMul':
      return matMulPlan(anchor, axis, rank(raw[0]), rank(raw[1]), outShape.length, shape(raw[1 - anchor]));
    case 'ScatterND': {
      // Indices address the leading `k` axes of the data; rows behind them stay where they are.
      const indices = shape(raw[1]);
      if (!indices || (anchor !== 0 && anchor !== 2)) return null;
      const k = indices[indices.length - 1]!;
      const dataAxis = anchor === 0 ? axis : axis - (indices.length - 1) + k;
      if (dataAxis < k) return null;
      return same(dataAxis, [dataAxis, null, dataAxis - k + indices.length - 1]);
    }
    case 'MultiHeadAttention': {
      // Only the plain [B, T, D] form: packed or per-head key/value layouts would need another split axis.
      if (![0, 1, 2].every((k) => rank(raw[k]) === 3) || raw.slice(3, 5).some((name) => name) || raw.length > 6) return null;
      // Rows of the batch: each row's queries attend to that row's keys and values (and a per-row bias goes with them).
      if (axis === 0) return same(0, [0, 0, 0, null, null, raw[5] && shape(raw[5])?.[0] !== 1 ? 0 : null]);
      // Rows of queries: every query row attends to all keys and values, which every slice reads whole.
      return anchor === 0 && axis === 1 && raw.length <= 3 ? same(1, [1]) : null;
    }
    default:
      if (REDUCE.has(op)) {
        const axes = axesOf(node, 1, lookup)?.map((a) => normalize(a, inShape.length));
        if (anchor !== 0 || !axes?.length || axes.includes(axis)) return null;
        return same(intAttribute(node, 'keepdims', 1) ? axis : axis - axes.filter((a) => a < axis).length);
      }
      return null;
  }
}

/**
 * A matrix product keeps rows that are a batch axis (both operands line up there, a missing or size-1 one is
 * shared) or the rows of its first operand (the second is read whole, as keys are by query rows).
 */
function matMulPlan(anchor: number, axis: number, rankA: number, rankB: number, rankOut: number, otherShape: number[] | undefined): RowPlan | null {
  const anchorRank = anchor === 0 ? rankA : rankB;
  const otherRank = anchor === 0 ? rankB : rankA;
  if (rankA < 2 || rankB < 2 || !otherShape) return null;
  if (anchor === 0 && axis === rankA - 2) return { inputs: [axis, null], outputs: [rankOut - 2] };
  if (axis >= anchorRank - 2) return null;
  const outAxis = axis + rankOut - anchorRank;
  const p = outAxis - (rankOut - otherRank);
  const other = p < 0 || otherShape[p] === 1 ? null : p;
  return { inputs: anchor === 0 ? [axis, other] : [other, axis], outputs: [outAxis] };
}

/**
 * A reshape keeps rows when everything before the row axis is regrouped into the same number of elements and the
 * row axis (possibly split into whole sub-rows, such as heads) stays one output axis: each row's elements are
 * then the same contiguous block on both sides.
 */
function reshapePlan(node: NodeProto, axis: number, inShape: number[], outShape: number[], lookup: RowLookup): RowPlan | null {
  const target = lookup.ints(node.input?.[1]);
  if (!target) return null;
  const before = product(inShape.slice(0, axis));
  // The first output axis past an equal-sized prefix; whether it holds whole rows is checked against the row count.
  const outAxis = outShape.findIndex((d, b) => d > 1 && product(outShape.slice(0, b)) === before);
  if (outAxis < 0) return null;
  // A 0 in the target copies the input's size at that position, which slicing changes only on the row axis: it
  // must land on the output's row axis with the same size there.
  const copiesRows = (at: number) => target[at] === 0 && !intAttribute(node, 'allowzero', 0);
  if ((copiesRows(axis) || copiesRows(outAxis)) && (outAxis !== axis || outShape[outAxis] !== inShape[axis])) return null;
  return { inputs: [axis, null], outputs: [outAxis] };
}
