import onnxProto from 'onnx-proto';
import { MICROSOFT_DOMAIN } from './graph-builder.ts';
import type { OnnxModel } from './model-file.ts';
import { statedSignatures } from './model-file.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** What the attention rewrite did: fused patterns, and each Softmax it left alone with the reason. */
export interface AttentionFusion {
  model: OnnxModel;
  fused: number;
  skipped: { softmax: string; reason: string }[];
}

const toNumber = (v: unknown): number => Number(typeof v === 'object' && v !== null ? String(v) : v);

/** The single float value of a scalar (or one-element) constant, or null. */
function scalarValue(tensor: TensorProto | undefined): number | null {
  if (!tensor || (tensor.dims ?? []).reduce<number>((p, d) => p * toNumber(d), 1) !== 1) return null;
  if (tensor.floatData?.length) return tensor.floatData[0]!;
  if (tensor.doubleData?.length) return tensor.doubleData[0]!;
  const raw = tensor.rawData;
  if (!raw) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (tensor.dataType === 1 && raw.byteLength === 4) return view.getFloat32(0, true);
  if (tensor.dataType === 11 && raw.byteLength === 8) return view.getFloat64(0, true);
  return null;
}

function ints(node: NodeProto, name: string): number[] | null {
  const attribute = node.attribute?.find((a) => a.name === name);
  return attribute?.ints ? attribute.ints.map(toNumber) : null;
}

/** A dimension: a number, a symbolic name, or null when unknown. Unknown dimensions never equal anything. */
type Dim = number | string | null;
const dimEq = (a: Dim | undefined, b: Dim | undefined) => a !== null && a !== undefined && a === b;
const same = (a: readonly Dim[] | undefined | null, b: readonly Dim[]) => !!a && a.length === b.length && a.every((v, i) => dimEq(v, b[i]));
const product = (a: Dim | undefined, b: Dim | undefined): Dim => (typeof a === 'number' && typeof b === 'number' ? a * b : null);

/**
 * Replaces scaled dot-product attention built from primitives with ONNX Runtime's fused `MultiHeadAttention`
 * (com.microsoft), as deployed runtimes do: MatMul(Q·s, Kᵀ·s) [+ mask] → Softmax → MatMul(·, V) on [B, N, T, d]
 * tensors, with scale factors on Q, K or the scores (PyTorch's decomposed scaled_dot_product_attention, diffusers'
 * attention processors, hand-written graphs) and torch's NaN guard after the Softmax. Q, K and V are brought to
 * [B, T, N·d] (reusing the projection output where the head split is a plain Reshape and Transpose), the product is
 * one fused node, and its result is returned to [B, N, T, d] under the original name, so nothing downstream changes.
 * Patterns whose shapes the file does not state, or that do not match, are left as they are and listed.
 */
export function fuseAttention(source: OnnxModel): AttentionFusion {
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(source).finish());
  const graph = model.graph!;
  const shapes = new Map<string, Dim[]>();
  for (const [name, signature] of statedSignatures(model)) if (signature.shape) shapes.set(name, signature.shape);
  // Element types by ONNX's code, so the tensors the rewrite adds are declared as what they hold (float16 models too).
  const elementTypes = new Map<string, number>();
  for (const info of [...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])]) {
    const code = info.type?.tensorType?.elemType;
    if (code) elementTypes.set(info.name!, code);
  }
  const constants = new Map<string, TensorProto>();
  for (const init of graph.initializer ?? []) {
    constants.set(init.name!, init);
    shapes.set(init.name!, (init.dims ?? []).map(toNumber));
  }
  const nodes = graph.node ?? [];
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of nodes) {
    for (const output of node.output ?? []) producer.set(output, node);
    for (const input of node.input ?? []) if (input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
    const value = node.opType === 'Constant' ? node.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (value) constants.set(node.output![0]!, value);
  }
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name!));
  const onlyUse = (name: string, node: NodeProto) => !graphOutputs.has(name) && (consumers.get(name) ?? []).length === 1 && consumers.get(name)![0] === node;

  /** `name` with single-use scalar Mul/Div factors peeled off: the tensor before them and the product of the factors. */
  const peelScale = (name: string): { name: string; scale: number } => {
    let scale = 1;
    for (;;) {
      const node = producer.get(name);
      if (!node || (node.opType !== 'Mul' && node.opType !== 'Div') || !(node.output ?? []).includes(name)) return { name, scale };
      const [a, b] = node.input ?? [];
      const bValue = scalarValue(constants.get(b ?? ''));
      const aValue = node.opType === 'Mul' ? scalarValue(constants.get(a ?? '')) : null;
      const next = bValue !== null ? a! : aValue !== null ? b! : null;
      const factor = bValue ?? aValue;
      if (next === null || factor === null || factor === 0 || !onlyUse(next, node)) return { name, scale };
      scale *= node.opType === 'Mul' ? factor : 1 / factor;
      name = next;
    }
  };

  /** The [B, T, N·d] tensor a [B, N, T, d] head split came from: Reshape to [B, T, N, d], Transpose (0, 2, 1, 3). */
  const tokensBehind = (heads: string): string | null => {
    const transpose = producer.get(heads);
    if (transpose?.opType !== 'Transpose' || !same(ints(transpose, 'perm'), [0, 2, 1, 3])) return null;
    const reshape = producer.get(transpose.input![0]!);
    if (reshape?.opType !== 'Reshape') return null;
    const source = reshape.input![0]!;
    const [b, t, n, d] = shapes.get(transpose.input![0]!) ?? [];
    return same(shapes.get(source), [b!, t!, product(n, d)]) ? source : null;
  };
  /**
   * The [B, N, L, d] keys behind a transposed key [B, N, d, L]: an explicit (0, 1, 3, 2) transpose, or torch's
   * flatten-transpose-unflatten (Reshape to [B·N, L, d], Transpose (0, 2, 1), Reshape back), whose shapes are
   * often left symbolic. Null when the key is not made that way.
   */
  const keyHeadsBehind = (keyT: string): string | null => {
    const node = producer.get(keyT);
    if (node?.opType === 'Transpose' && same(ints(node, 'perm'), [0, 1, 3, 2])) return node.input![0]!;
    if (node?.opType !== 'Reshape') return null;
    const flipped = producer.get(node.input![0]!);
    if (flipped?.opType !== 'Transpose' || !same(ints(flipped, 'perm'), [0, 2, 1])) return null;
    const flat = producer.get(flipped.input![0]!);
    return flat?.opType === 'Reshape' && shapes.get(flat.input![0]!)?.length === 4 ? flat.input![0]! : null;
  };

  const added: NodeProto[][] = nodes.map(() => []);
  const initializers: TensorProto[] = [];
  const valueInfo: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const skipped: AttentionFusion['skipped'] = [];
  let fused = 0;
  const position = new Map(nodes.map((node, i) => [node, i]));

  for (const softmax of nodes) {
    if (softmax.opType !== 'Softmax' || softmax.domain) continue;
    const label = softmax.name || softmax.output![0]!;
    const skip = (reason: string) => skipped.push({ softmax: label, reason });
    const scores = softmax.input![0]!;
    const rank = shapes.get(scores)?.length;
    const axis = toNumber(softmax.attribute?.find((a) => a.name === 'axis')?.i ?? -1);
    if (rank !== 4) {
      skip(rank === undefined ? 'the file states no shape for its input' : `its input has rank ${rank}, not [B, N, T, L]`);
      continue;
    }
    if (axis !== -1 && axis !== 3) {
      skip(`softmax over axis ${axis}, not the keys`);
      continue;
    }
    // Back from the scores: an optional additive mask and scale factors, then the QKᵀ product.
    let mask: string | null = null;
    let cursor = scores;
    let scale = 1;
    let queryKeyProduct: NodeProto | null = null;
    for (let hop = 0; hop < 4 && !queryKeyProduct; hop++) {
      const node = producer.get(cursor);
      if (!node || !onlyUse(cursor, consumers.get(cursor)![0]!)) break;
      if (node.opType === 'MatMul') queryKeyProduct = node;
      else if (node.opType === 'Add' && !mask) {
        const [a, b] = node.input!;
        const fromProduct = [a, b].find((x) => producer.get(x!)?.opType === 'MatMul' || ['Mul', 'Div'].includes(producer.get(x!)?.opType ?? ''));
        if (!fromProduct) break;
        mask = fromProduct === a ? b! : a!;
        cursor = fromProduct;
      } else if (node.opType === 'Mul' || node.opType === 'Div') {
        const peeled = peelScale(cursor);
        if (peeled.name === cursor) break;
        scale *= peeled.scale;
        cursor = peeled.name;
      } else break;
    }
    if (!queryKeyProduct) {
      skip('no MatMul of queries and keys feeds it');
      continue;
    }
    const q = peelScale(queryKeyProduct.input![0]!);
    const k = peelScale(queryKeyProduct.input![1]!);
    scale *= q.scale * k.scale;
    const qShape = shapes.get(q.name);
    const keyHeads = keyHeadsBehind(k.name);
    // Keys as [B, N, L, d]: behind the transpose where it can be seen, else the stated [B, N, d, L] read across.
    const kTShape = shapes.get(k.name);
    const kShape = keyHeads ? shapes.get(keyHeads) : kTShape?.length === 4 ? [kTShape[0]!, kTShape[1]!, kTShape[3]!, kTShape[2]!] : undefined;
    if (qShape?.length !== 4 || kShape?.length !== 4) {
      skip('queries or keys are not [B, N, T, d] tensors of stated rank');
      continue;
    }
    const [b, n, t, d] = qShape;
    const l = kShape[2]!;
    if (typeof n !== 'number' || typeof d !== 'number') {
      skip(`heads and head width of queries [${qShape}] are not stated numbers`);
      continue;
    }
    if (!dimEq(kShape[1], n) || !dimEq(kShape[3], d)) {
      skip(`keys [${kShape}] do not match queries [${qShape}]`);
      continue;
    }
    // Forward from the probabilities: torch's guard Where(IsNaN(p), 0, p), then the product with V.
    let probs = softmax.output![0]!;
    const users = consumers.get(probs) ?? [];
    const guard = users.find((u) => u.opType === 'Where');
    if (graphOutputs.has(probs)) {
      skip('its probabilities are a graph output');
      continue;
    }
    if (users.length === 2 && guard && users.some((u) => u.opType === 'IsNaN' && guard.input![0] === u.output![0]) && guard.input![2] === probs && scalarValue(constants.get(guard.input![1]!)) === 0) {
      probs = guard.output![0]!;
    } else if (users.length !== 1 || graphOutputs.has(probs)) {
      skip('its probabilities are used elsewhere');
      continue;
    }
    const weighted = consumers.get(probs) ?? [];
    const last = weighted[0];
    if (weighted.length !== 1 || last?.opType !== 'MatMul' || last.input![0] !== probs || graphOutputs.has(probs)) {
      skip('no single MatMul with the values follows it');
      continue;
    }
    const v = last.input![1]!;
    const vShape = shapes.get(v);
    const dv = vShape?.[3];
    if (vShape?.length !== 4 || !dimEq(vShape[1], n) || typeof dv !== 'number') {
      skip(`values [${vShape ?? 'unknown'}] are not [B, ${n}, L, d] with a stated width`);
      continue;
    }
    if (mask) {
      const m = shapes.get(mask);
      const fits = m?.length === 4 && (m[0] === 1 || dimEq(m[0], b)) && (m[1] === 1 || m[1] === n) && dimEq(m[2], t) && dimEq(m[3], l);
      if (!fits) {
        skip(`its mask [${m ?? 'unknown'}] is not [1|B, 1|N, T, L]`);
        continue;
      }
    }

    const at = position.get(last)!;
    const tag = `${last.output![0]!}::mha`;
    const elemType = elementTypes.get(last.output![0]!) ?? elementTypes.get(q.name) ?? onnx.TensorProto.DataType.FLOAT;
    const emit = (op: string, inputs: string[], output: string, shape: Dim[], attributes: onnxProto.onnx.IAttributeProto[] = [], domain?: string) => {
      added[at]!.push(onnx.NodeProto.create({ name: output, opType: op, input: inputs, output: [output], attribute: attributes, ...(domain ? { domain } : {}) }));
      const dim = shape.map((v) => (typeof v === 'number' ? { dimValue: v } : typeof v === 'string' ? { dimParam: v } : {}));
      valueInfo.push(onnx.ValueInfoProto.create({ name: output, type: { tensorType: { elemType, shape: { dim } } } }));
      shapes.set(output, shape);
      return output;
    };
    const shapeConstant = (name: string, values: number[]) => {
      initializers.push({ name, dataType: 7, dims: [values.length], int64Data: values });
      return name;
    };
    const perm = (values: number[]) => [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: values }];
    /** [B, N, T, e] → [B, T, N·e]; batch and tokens may be symbolic, so the Reshape copies them (0). */
    const toTokens = (name: string, role: string, tokens: Dim, width: number) =>
      tokensBehind(name) ??
      emit('Reshape', [emit('Transpose', [name], `${tag}/${role}/bthd`, [b!, tokens, n, width], perm([0, 2, 1, 3])), shapeConstant(`${tag}/${role}/shape`, [0, 0, n * width])], `${tag}/${role}/tokens`, [b!, tokens, n * width]);
    const query = toTokens(q.name, 'q', t!, d);
    const key = keyHeads ? toTokens(keyHeads, 'k', l, d) : emit('Reshape', [emit('Transpose', [k.name], `${tag}/k/bthd`, [b!, l, n, d], perm([0, 3, 1, 2])), shapeConstant(`${tag}/k/shape`, [0, 0, n * d])], `${tag}/k/tokens`, [b!, l, n * d]);
    const value = toTokens(v, 'v', l, dv);
    const attributes: onnxProto.onnx.IAttributeProto[] = [{ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: n }];
    // MultiHeadAttention's default scale is 1/√d; any other product of the peeled factors is stated.
    if (Math.abs(scale * Math.sqrt(d) - 1) > 1e-6) attributes.push({ name: 'scale', type: onnx.AttributeProto.AttributeType.FLOAT, f: scale });
    const attended = emit('MultiHeadAttention', [query, key, value, ...(mask ? ['', '', mask] : [])], `${tag}/out`, [b, t, n * dv], attributes, MICROSOFT_DOMAIN);
    const split = emit('Reshape', [attended, shapeConstant(`${tag}/heads`, [0, 0, n, dv])], `${tag}/bthd`, [b!, t!, n, dv]);
    added[at]!.push(onnx.NodeProto.create({ name: `${tag}/bnth`, opType: 'Transpose', input: [split], output: [last.output![0]!], attribute: perm([0, 2, 1, 3]) }));
    (last as { opType: string }).opType = '';
    fused += 1;
  }

  // The replaced products are marked with an empty op type; what only they used is dropped from the end back.
  const rewritten: NodeProto[] = [];
  nodes.forEach((node, i) => {
    rewritten.push(...added[i]!);
    if (node.opType) rewritten.push(node);
  });
  const needed = new Set<string>(graphOutputs);
  const kept: NodeProto[] = [];
  for (let i = rewritten.length - 1; i >= 0; i--) {
    const node = rewritten[i]!;
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.input ?? []) if (input) needed.add(input);
  }
  kept.reverse();
  graph.node = kept;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => needed.has(t.name!)), ...initializers];
  const stated = new Set(valueInfo.map((v) => v.name));
  graph.valueInfo = [...(graph.valueInfo ?? []).filter((v) => needed.has(v.name!) && !stated.has(v.name!)), ...valueInfo.filter((v) => needed.has(v.name!))];
  if (fused && !(model.opsetImport ?? []).some((o) => o.domain === MICROSOFT_DOMAIN)) model.opsetImport = [...(model.opsetImport ?? []), { domain: MICROSOFT_DOMAIN, version: 1 }];
  return { model, fused, skipped };
}
