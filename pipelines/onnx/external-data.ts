import { open, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel } from './model-file.ts';
import { elementTypeName, externalDataFiles } from './model-file.ts';

const { onnx } = onnxProto;

/** Above this, a single protobuf file cannot hold the weights (2 GiB limit, with room for the graph). */
export const INLINE_LIMIT_BYTES = 1.8 * 2 ** 30;

// Bytes per element by TensorProto.DataType; types packed below a byte (int4) or of variable size (string) are absent.
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1 };

/** One initializer stored outside the model: the file and byte range its data occupies. */
export interface ExternalTensor {
  name: string;
  /** The `location` as the model states it, relative to the model's folder. */
  location: string;
  path: string;
  offset: number;
  /** Bytes the tensor occupies: its shape and type's size, else the stated `length`, else null (to the file's end). */
  length: number | null;
}

/**
 * A `location` as a path inside `dir`, or an error: ONNX resolves locations against the model's folder, and one
 * that is absolute or climbs out with `..` would read a file the model's folder does not hold.
 */
export function externalDataPath(location: string, dir: string, modelPath: string, tensor: string): string {
  const relative = normalize(location);
  if (isAbsolute(location) || relative === '..' || relative.startsWith(`..${sep}`) || relative.startsWith('../')) {
    throw new HarnessError(
      'bad-onnx-file',
      `${modelPath}: tensor "${tensor}" keeps its data at "${location}", outside the model's folder ${dir}; accepted: a file name relative to that folder, inside it`,
    );
  }
  return join(dir, relative);
}

/** Every externally stored initializer of the model at `modelPath`, with its location checked to stay in its folder. */
export function externalTensors(model: OnnxModel, modelPath: string): ExternalTensor[] {
  const dir = dirname(modelPath);
  const tensors: ExternalTensor[] = [];
  for (const tensor of model.graph!.initializer ?? []) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const name = tensor.name ?? '';
    const entry = (key: string) => (tensor.externalData ?? []).find((e) => e.key === key)?.value;
    const location = entry('location');
    if (!location) throw new HarnessError('bad-onnx-file', `${modelPath}: tensor "${name}" is stored externally but names no location`);
    const elementBytes = ELEMENT_BYTES[tensor.dataType ?? 0];
    const shapeBytes = elementBytes === undefined ? null : (tensor.dims ?? []).reduce<number>((p, d) => p * Number(d), elementBytes);
    const stated = entry('length') === undefined ? null : Number(entry('length'));
    if (shapeBytes !== null && stated !== null && stated !== shapeBytes) {
      throw new HarnessError(
        'bad-onnx-file',
        `${modelPath}: tensor "${name}" states a length of ${stated} bytes in ${location}, but its shape [${(tensor.dims ?? []).join(', ')}] of ${elementTypeName(tensor.dataType)} needs ${shapeBytes}`,
      );
    }
    tensors.push({ name, location, path: externalDataPath(location, dir, modelPath, name), offset: Number(entry('offset') ?? 0), length: shapeBytes ?? stated });
  }
  return tensors;
}

/**
 * Checks that every external data file of the model at `modelPath` exists and holds every byte its tensors need,
 * without reading the data: a file cut short would otherwise be read as zeros or fail deep inside a run.
 */
export async function checkExternalData(model: OnnxModel, modelPath: string): Promise<void> {
  const sizes = new Map<string, number>();
  for (const tensor of externalTensors(model, modelPath)) {
    if (!sizes.has(tensor.path)) {
      const info = await stat(tensor.path).catch(() => null);
      if (!info?.isFile()) {
        throw new HarnessError('model-not-found', `external data file "${tensor.location}" of ${basename(modelPath)} not found beside it (looked for ${tensor.path}; tensor "${tensor.name}" is stored there)`);
      }
      sizes.set(tensor.path, info.size);
    }
    const size = sizes.get(tensor.path)!;
    const needed = tensor.length ?? 0;
    if (tensor.offset + needed > size) {
      const present = Math.max(0, size - tensor.offset);
      throw new HarnessError(
        'truncated-external-data',
        `${tensor.path} is too short for tensor "${tensor.name}" of ${basename(modelPath)}: expected ${needed} bytes at offset ${tensor.offset}, but the file is ${size} bytes long, so only ${present} of them are there; re-export or re-download the file`,
      );
    }
  }
}

/** Bytes of the external data files `model` refers to, in `dir`. */
export async function externalDataBytes(model: OnnxModel, dir: string): Promise<number> {
  let total = 0;
  for (const file of externalDataFiles(model)) total += (await stat(externalDataPath(file, dir, dir, file))).size;
  return total;
}

/**
 * Moves every externally stored initializer of the model at `modelPath` into the model itself, so that ONNX
 * Runtime can save an optimised copy of it (it cannot for models with external data). Every byte is read or it
 * is an error: a short read never leaves zeros in a weight.
 */
export async function inlineExternalData(model: OnnxModel, modelPath: string): Promise<void> {
  await checkExternalData(model, modelPath);
  const tensors = new Map(externalTensors(model, modelPath).map((t) => [t.name, t]));
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  try {
    for (const tensor of model.graph!.initializer ?? []) {
      const external = tensors.get(tensor.name ?? '');
      if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL || !external) continue;
      if (!handles.has(external.path)) handles.set(external.path, await open(external.path, 'r'));
      const handle = handles.get(external.path)!;
      const length = external.length ?? (await handle.stat()).size - external.offset;
      const bytes = new Uint8Array(length);
      // One read returns at most 2 GiB and may return less; a read of 0 bytes is the file's end.
      let bytesRead = 0;
      for (let got = -1; bytesRead < length && got !== 0; bytesRead += got) {
        got = (await handle.read(bytes, bytesRead, length - bytesRead, external.offset + bytesRead)).bytesRead;
      }
      if (bytesRead !== length) {
        throw new HarnessError('truncated-external-data', `${external.path}: read ${bytesRead} of the ${length} bytes of tensor "${external.name}" at offset ${external.offset} (the file changed while it was read)`);
      }
      tensor.rawData = bytes;
      tensor.externalData = [];
      tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    }
  } finally {
    for (const handle of handles.values()) await handle.close();
  }
}
