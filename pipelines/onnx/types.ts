import type { OnnxModel, TensorSignature } from './model-file.ts';

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

/** The two pieces of a cut graph and the tensors that cross from the first to the second. */
export interface GraphCut {
  /** The nodes the boundary tensors need; its outputs are the crossing tensors. */
  head: OnnxModel;
  /** The other nodes the graph's outputs need; the crossing tensors are inputs, beside the graph inputs it reads. */
  rest: OnnxModel;
  /** Tensors the head makes and the rest reads: the boundary tensors first, then the others in node order. */
  crossing: TensorSignature[];
}

/** One stream through the blocks: the tensor entering the first block, leaving it, and leaving the last block (null when the last block does not hand it on). */
export interface BlockStream {
  input: string;
  firstOutput: string;
  lastOutput: string | null;
  tokens: number;
}

/** The three graphs of a run-time cache (first-block cache, TeaCache), and the tensors the head hands the rest. */
export interface RuntimeCacheGraphs {
  head: OnnxModel;
  /** The rest of the transformer, also returning the cached blocks' residual as `cache_feature`. */
  rest: OnnxModel;
  /** The rest with `cache_feature` added to the cached blocks' input in place of those blocks. */
  cachedRest: OnnxModel;
  crossing: string[];
}

/** Each block's attention output tensors by kind (spatial: self-attention; cross: attention over the text), in graph order. */
export type AttentionOutputs = Record<'spatial' | 'cross', string[]>;
