import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';

const { onnx } = onnxProto;

/** A decoded ONNX model (onnx-proto, ONNX 1.10 / IR 8 schema). */
export type OnnxModel = InstanceType<typeof onnx.ModelProto>;

/** Element types by ONNX's TensorProto.DataType number. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

/** A tensor's name, element type and shape; a dimension is a number, a symbolic name, or null when unknown. */
export interface TensorSignature {
  name: string;
  elementType: string;
  /** Null when the file states no shape at all (not even the rank). */
  shape: (number | string | null)[] | null;
}

/** The newest IR version whose every field onnx-proto can read and write. */
export const ONNX_PROTO_IR_VERSION = 8;

/**
 * Reads and decodes an ONNX file. External weight data is not read: initializers stored outside keep only their
 * references. Fields newer than IR 8 (e.g. IR 10's node metadata) are skipped by the decoder.
 */
export async function readOnnxModel(path: string): Promise<OnnxModel> {
  if (!existsSync(path)) throw new HarnessError('model-not-found', `ONNX file not found: ${path}`);
  let model: OnnxModel;
  try {
    model = onnx.ModelProto.decode(await readFile(path));
  } catch (error) {
    throw new HarnessError('bad-onnx-file', `${path} is not a readable ONNX model: ${(error as Error).message}`, { cause: error });
  }
  if (!model.graph) throw new HarnessError('bad-onnx-file', `${path} holds no graph`);
  return model;
}

export function elementTypeName(code: number | null | undefined): string {
  return ELEMENT_TYPES[code ?? 0] ?? `type-${code ?? 0}`;
}

export function signatureOf(info: onnxProto.onnx.IValueInfoProto): TensorSignature {
  const tensor = info.type?.tensorType;
  const dims = tensor?.shape?.dim;
  const shape = dims
    ? dims.map((d) => {
        if (d.dimValue !== null && d.dimValue !== undefined && Number(d.dimValue) > 0) return Number(d.dimValue);
        return d.dimParam ? d.dimParam : null;
      })
    : null;
  return { name: info.name ?? '', elementType: elementTypeName(tensor?.elemType), shape };
}

/** The ValueInfoProto of a signature (symbolic and unknown dimensions kept as such). */
export function valueInfoOf(signature: TensorSignature, name = signature.name): InstanceType<typeof onnx.ValueInfoProto> {
  const code = Number(Object.entries(ELEMENT_TYPES).find(([, type]) => type === signature.elementType)?.[0] ?? 0);
  const shape = signature.shape ? { dim: signature.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } : undefined;
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: code, ...(shape ? { shape } : {}) } } });
}

/** Graph inputs that are not initializers (older exporters list initializers among the inputs). */
export function graphInputs(model: OnnxModel): TensorSignature[] {
  const initializers = new Set((model.graph!.initializer ?? []).map((t) => t.name));
  return (model.graph!.input ?? []).filter((i) => !initializers.has(i.name)).map(signatureOf);
}

export function graphOutputs(model: OnnxModel): TensorSignature[] {
  return (model.graph!.output ?? []).map(signatureOf);
}

/** Every tensor the graph states a type for: inputs, outputs and value_info, by name. */
export function statedSignatures(model: OnnxModel): Map<string, TensorSignature> {
  const graph = model.graph!;
  const map = new Map<string, TensorSignature>();
  for (const info of [...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])]) map.set(info.name ?? '', signatureOf(info));
  return map;
}

/** Names of every tensor a node of the top-level graph produces. */
export function nodeOutputNames(model: OnnxModel): Set<string> {
  const names = new Set<string>();
  for (const node of model.graph!.node ?? []) for (const output of node.output ?? []) if (output) names.add(output);
  return names;
}

/** Elements of floating-point initializers: the parameter count as frameworks report it. */
export function parameterCount(model: OnnxModel): number {
  const floating = new Set([1, 10, 11, 16]);
  let total = 0;
  for (const tensor of model.graph!.initializer ?? []) {
    if (!floating.has(tensor.dataType ?? 0)) continue;
    total += (tensor.dims ?? []).reduce<number>((p, d) => p * Number(d), 1);
  }
  return total;
}

/** The default-domain opset the model imports. */
export function defaultOpset(model: OnnxModel): number | null {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : null;
}

/** The external data files the initializers refer to (their `location`s, relative to the model's folder). */
export function externalDataFiles(model: OnnxModel): string[] {
  const files = new Set<string>();
  for (const tensor of model.graph!.initializer ?? []) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const location = (tensor.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (location) files.add(location);
  }
  return [...files];
}

/** A model file's name without its folder and `.onnx` extension: the stem of files derived from it. */
export function modelStem(path: string): string {
  return basename(path).replace(/\.onnx$/i, '');
}

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The `limit` names closest to `wanted` by edit distance (case-insensitive), for "did you mean" messages. */
export function closestNames(wanted: string, candidates: Iterable<string>, limit = 5): string[] {
  const target = wanted.toLowerCase();
  const scored: { name: string; distance: number }[] = [];
  for (const name of candidates) scored.push({ name, distance: editDistance(target, name.toLowerCase()) });
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
