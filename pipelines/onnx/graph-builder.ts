import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { createSeededRandom } from '../seeded-random.ts';
import type { AttentionForm, AttributeValue, BuiltModel, SharedWeights, TensorRef, WeightInit } from './types.ts';

const { onnx } = onnxProto;

/** Opset every built-in graph targets; IR 8 is what onnx-proto encodes. */
export const OPSET_VERSION = 17;
const IR_VERSION = 8;
/** Protobuf cannot hold a message over 2 GiB; above this, initializers move to an external data file. */
const DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES = 1_800_000_000;

interface InitializerEntry {
  name: string;
  shape: number[];
  dataType: number;
  data: Uint8Array | null;
  elementCount: number;
}

export interface GraphBuilderOptions {
  name: string;
  seed: number;
  /** When false, weights are declared but not drawn: enough to count parameters of a graph too big to build. */
  materialize?: boolean;
  externalDataThresholdBytes?: number;
  /** How `attention` in ops.ts is emitted: one fused operator or its primitives (default: primitives). */
  attention?: AttentionForm;
}

/** Domain of ONNX Runtime's contrib operators (MultiHeadAttention). */
export const MICROSOFT_DOMAIN = 'com.microsoft';

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds one ONNX graph with statically known shapes. Weights are keyed by name and each is drawn from a
 * generator seeded by (model seed, weight name), so the full, shallow and chunked graphs of one model share
 * identical weights, and the same preset and seed always give the same bytes.
 */
export class GraphBuilder {
  readonly name: string;
  readonly seed: number;
  readonly materialize: boolean;
  readonly attention: AttentionForm;
  private readonly externalThreshold: number;
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers = new Map<string, InitializerEntry>();
  private readonly inputs: TensorRef[] = [];
  private readonly inputTypes = new Map<string, number>();
  private readonly outputs: TensorRef[] = [];
  /** Shapes of every node output, written as value_info so tools can count work without shape inference. */
  private readonly intermediates: TensorRef[] = [];
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(options: GraphBuilderOptions) {
    this.name = options.name;
    this.seed = options.seed;
    this.materialize = options.materialize ?? true;
    this.attention = options.attention ?? 'unfused';
    this.externalThreshold = options.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES;
  }

  /** Runs `body` with `prefix` added to every weight and node name created inside it. */
  scope<T>(prefix: string, body: () => T): T {
    this.scopes.push(prefix);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  qualified(name: string): string {
    return [...this.scopes, name].join('.');
  }

  private fresh(op: string): string {
    this.counter += 1;
    return `${this.qualified(op)}_${this.counter}`;
  }

  input(name: string, shape: readonly number[], dataType: 'float32' | 'int64' = 'float32'): TensorRef {
    const ref = { name, shape: [...shape] };
    this.inputs.push(ref);
    this.inputTypes.set(name, dataType === 'int64' ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT);
    return ref;
  }

  output(ref: TensorRef, name: string): void {
    if (ref.name !== name) {
      this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [ref.name], output: [name], name: `${name}_out` }));
    }
    this.outputs.push({ name, shape: [...ref.shape] });
  }

  /** `ref` under a stable `name` (an Identity node), so tools can name the tensor without knowing node counters. */
  named(ref: TensorRef, name: string): TensorRef {
    const out = { name, shape: [...ref.shape] };
    this.intermediates.push(out);
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [ref.name], output: [name], name: `${name}_named` }));
    return out;
  }

  /** A float weight; asking again for the same (scoped) name returns the same initializer. */
  weight(localName: string, shape: readonly number[], init: WeightInit): TensorRef {
    const name = this.qualified(localName);
    const existing = this.initializers.get(name);
    if (existing) {
      if (existing.shape.join('x') !== shape.join('x')) {
        throw new Error(`weight ${name} requested with shape [${shape}] but exists with [${existing.shape}]`);
      }
      return { name, shape: existing.shape };
    }
    const count = elementCount(shape);
    let data: Uint8Array | null = null;
    if (this.materialize) {
      const values = new Float32Array(count);
      if (init.kind === 'normal') {
        // The whole seed and the name feed the stream, so no two (seed, name) pairs share weights by truncation.
        const rng = createSeededRandom(fnv1a(`${this.seed}:${name}`));
        for (let i = 0; i < count; i++) values[i] = rng.nextGaussian() * init.std + (init.mean ?? 0);
      } else {
        values.fill(init.value);
      }
      data = new Uint8Array(values.buffer);
    }
    this.initializers.set(name, { name, shape: [...shape], dataType: onnx.TensorProto.DataType.FLOAT, data, elementCount: count });
    return { name, shape: [...shape] };
  }

  /** A constant tensor (not a parameter); deduplicated by content. */
  constant(values: readonly number[] | Float32Array, shape: readonly number[], dataType: 'float32' | 'int64' = 'float32'): TensorRef {
    const bytes =
      dataType === 'int64'
        ? new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer)
        : new Uint8Array(Float32Array.from(values).buffer);
    // Deduplicated by a digest of the contents, so equal constants are stored once and different ones never merge.
    const key = `const.${dataType}.${shape.join('x')}.${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`;
    const existing = this.initializers.get(key);
    if (existing) return { name: key, shape: existing.shape };
    this.initializers.set(key, {
      name: key,
      shape: [...shape],
      dataType: dataType === 'int64' ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT,
      data: bytes,
      elementCount: 0,
    });
    return { name: key, shape: [...shape] };
  }

  int64s(values: readonly number[]): TensorRef {
    return this.constant(values, [values.length], 'int64');
  }

  scalar(value: number): TensorRef {
    return this.constant([value], []);
  }

  /** Appends one node; the caller states each output's shape (shapes are static throughout). */
  node(opType: string, inputs: readonly (TensorRef | null)[], outputShapes: readonly (readonly number[])[], attributes: Record<string, AttributeValue> = {}, domain = ''): TensorRef[] {
    const base = this.fresh(opType);
    const outputs = outputShapes.map((shape, i) => ({ name: outputShapes.length === 1 ? base : `${base}:${i}`, shape: [...shape] }));
    this.intermediates.push(...outputs);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        ...(domain ? { domain } : {}),
        name: base,
        input: inputs.map((t) => (t ? t.name : '')),
        output: outputs.map((o) => o.name),
        attribute: Object.entries(attributes).map(([name, value]) => encodeAttribute(name, value)),
      }),
    );
    return outputs;
  }

  op(opType: string, inputs: readonly (TensorRef | null)[], outputShape: readonly number[], attributes: Record<string, AttributeValue> = {}, domain = ''): TensorRef {
    return this.node(opType, inputs, [outputShape], attributes, domain)[0]!;
  }

  /** Parameters: elements of weights (constants such as shapes and masks are not counted). */
  parameterCount(): number {
    let total = 0;
    for (const entry of this.initializers.values()) total += entry.elementCount;
    return total;
  }

  /** Names of the weights, for tests that compare graphs. */
  weightNames(): string[] {
    return [...this.initializers.values()].filter((e) => e.elementCount > 0).map((e) => e.name);
  }

  /** Shape of a weight by full name, or null when there is no such weight; available without materialising. */
  weightShape(name: string): number[] | null {
    const entry = this.initializers.get(name);
    return entry && entry.elementCount > 0 ? [...entry.shape] : null;
  }

  /** A copy of a weight's values by full name, or null when there is no such weight or it was not drawn. */
  weightData(name: string): Float32Array | null {
    const entry = this.initializers.get(name);
    if (!entry || entry.elementCount === 0 || !entry.data) return null;
    return new Float32Array(entry.data.slice().buffer);
  }

  /** The graph's declared inputs and outputs (names and static shapes), available without materialising. */
  signature(): { inputs: TensorRef[]; outputs: TensorRef[] } {
    const copy = (refs: TensorRef[]) => refs.map((r) => ({ name: r.name, shape: [...r.shape] }));
    return { inputs: copy(this.inputs), outputs: copy(this.outputs) };
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  opTypes(): string[] {
    return this.nodes.map((n) => n.opType ?? '');
  }

  /** Bytes the weights take (constants excluded). */
  weightBytes(): number {
    return this.parameterCount() * 4;
  }

  /** The weights with their data, in creation order (materialised graphs only). */
  *weights(): Generator<{ name: string; bytes: Uint8Array }> {
    for (const entry of this.initializers.values()) if (entry.elementCount > 0 && entry.data) yield { name: entry.name, bytes: entry.data };
  }

  /**
   * Encodes the model. Initializers move to `externalDataFile` when they would exceed the protobuf limit; with
   * `sharedWeights`, every weight instead points into that existing file (graphs of one model that share weight
   * names then share one copy on disk), and the graph need not have drawn its weights at all.
   */
  build(externalDataFile = `${this.name}.onnx.data`, sharedWeights?: SharedWeights): BuiltModel {
    if (!this.materialize && !sharedWeights) throw new Error(`graph ${this.name} was built without weights and cannot be encoded`);
    let initializerBytes = 0;
    for (const entry of this.initializers.values()) initializerBytes += entry.data?.byteLength ?? entry.elementCount * 4;
    const external = !sharedWeights && initializerBytes > this.externalThreshold;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const externalTensor = (entry: InitializerEntry, location: string, at: number, length: number) =>
      onnx.TensorProto.create({
        name: entry.name,
        dims: entry.shape,
        dataType: entry.dataType,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(at) },
          { key: 'length', value: String(length) },
        ],
      });
    const initializer = [...this.initializers.values()].map((entry) => {
      if (sharedWeights && entry.elementCount > 0) {
        const place = sharedWeights.index[entry.name];
        if (!place) throw new Error(`weight ${entry.name} of graph ${this.name} is not in ${sharedWeights.fileName}`);
        return externalTensor(entry, sharedWeights.fileName, place.offset, place.length);
      }
      if (!external || entry.elementCount === 0) {
        return onnx.TensorProto.create({ name: entry.name, dims: entry.shape, dataType: entry.dataType, rawData: entry.data! });
      }
      const length = entry.data!.byteLength;
      chunks.push(entry.data!);
      const tensor = externalTensor(entry, externalDataFile, offset, length);
      offset += length;
      return tensor;
    });
    const valueInfo = (ref: TensorRef, elemType: number) =>
      onnx.ValueInfoProto.create({
        name: ref.name,
        type: { tensorType: { elemType, shape: { dim: ref.shape.map((d) => ({ dimValue: d })) } } },
      });
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      initializer,
      input: this.inputs.map((i) => valueInfo(i, this.inputTypes.get(i.name)!)),
      output: this.outputs.map((o) => valueInfo(o, onnx.TensorProto.DataType.FLOAT)),
      valueInfo: this.intermediates.map((t) => valueInfo(t, onnx.TensorProto.DataType.FLOAT)),
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'lightbench',
      producerVersion: '1',
      graph,
      opsetImport: [
        { domain: '', version: OPSET_VERSION },
        ...(this.nodes.some((n) => n.domain === MICROSOFT_DOMAIN) ? [{ domain: MICROSOFT_DOMAIN, version: 1 }] : []),
      ],
    });
    const bytes = onnx.ModelProto.encode(model).finish();
    if (!external) return { modelBytes: bytes, externalData: null, parameterCount: this.parameterCount() };
    // Kept as the initializers' own buffers: one contiguous copy of a real-size model would not fit a typed array.
    return { modelBytes: bytes, externalData: { fileName: externalDataFile, chunks, byteLength: offset }, parameterCount: this.parameterCount() };
  }
}

function encodeAttribute(name: string, value: AttributeValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: A.INT, i: value })
      : onnx.AttributeProto.create({ name, type: A.FLOAT, f: value });
  }
  if (typeof value === 'object' && 'float' in value) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
}
