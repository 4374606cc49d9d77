import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { OnnxModel } from './model-file.ts';
import { externalDataFiles } from './model-file.ts';

const { onnx } = onnxProto;

/** Above this, a single protobuf file cannot hold the weights (2 GiB limit, with room for the graph). */
export const INLINE_LIMIT_BYTES = 1.8 * 2 ** 30;

/** Bytes of the external data files `model` refers to, in `dir`. */
export async function externalDataBytes(model: OnnxModel, dir: string): Promise<number> {
  let total = 0;
  for (const file of externalDataFiles(model)) total += (await stat(join(dir, file))).size;
  return total;
}

/**
 * Moves every externally stored initializer of `model` (whose data files are in `dir`) into the model itself,
 * so that ONNX Runtime can save an optimised copy of it (it cannot for models with external data).
 */
export async function inlineExternalData(model: OnnxModel, dir: string): Promise<void> {
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  try {
    for (const tensor of model.graph!.initializer ?? []) {
      if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
      const entry = (key: string) => (tensor.externalData ?? []).find((e) => e.key === key)?.value;
      const location = entry('location')!;
      const offset = Number(entry('offset') ?? 0);
      const length = Number(entry('length') ?? (await stat(join(dir, location))).size - offset);
      if (!handles.has(location)) handles.set(location, await open(join(dir, location), 'r'));
      const bytes = new Uint8Array(length);
      await handles.get(location)!.read(bytes, 0, length, offset);
      tensor.rawData = bytes;
      tensor.externalData = [];
      tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    }
  } finally {
    for (const handle of handles.values()) await handle.close();
  }
}
