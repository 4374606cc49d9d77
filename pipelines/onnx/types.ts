/** A tensor in a graph under construction: its name and its static shape. */
export interface TensorRef {
  name: string;
  shape: number[];
}

/** How a weight is drawn: Gaussian with a fan-in-scaled deviation, or a constant (norm scales and biases). */
export type WeightInit = { kind: 'normal'; std: number; mean?: number } | { kind: 'constant'; value: number };

/** An ONNX attribute: integers become INT, other numbers FLOAT; `{ float }` forces FLOAT; arrays are INTS. */
export type AttributeValue = number | string | number[] | { float: number };

/** An encoded model and, when its weights exceed the protobuf limit, the external data file beside it. */
export interface BuiltModel {
  modelBytes: Uint8Array;
  /** The external data file's contents, in order: the chunks concatenated are the file. */
  externalData: { fileName: string; chunks: Uint8Array[]; byteLength: number } | null;
  parameterCount: number;
}

/** An external data file holding a model's weights, with where each weight lies in it. */
export interface SharedWeights {
  fileName: string;
  index: Record<string, { offset: number; length: number }>;
}

/** How attention is computed in a graph: ORT's fused `MultiHeadAttention` or MatMul–Softmax–MatMul primitives. */
export type AttentionForm = 'fused' | 'unfused';
