// Reads the PyTorch reference runs recorded beside exported fixtures (tools/export/tensor_store.py writes them):
// reference/reference.json indexes raw little-endian tensor files by name, with dtype and shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One recorded tensor: its values and shape. */
export interface ReferenceTensor {
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** reference.json: settings of the recorded run and its tensor index. */
export interface ReferenceIndex {
  steps: number;
  deepcache: { helper: string; cacheInterval: number; cacheBranchId: number; projectBranch: number };
  tensors: Record<string, { file: string; dtype: 'float32' | 'int64'; shape: number[] }>;
  [setting: string]: unknown;
}

export function readReferenceIndex(fixtureDir: string, folder = 'reference'): ReferenceIndex {
  return JSON.parse(readFileSync(join(fixtureDir, folder, 'reference.json'), 'utf8')) as ReferenceIndex;
}

/** A recorded tensor of the fixture in `fixtureDir` (float32, or int64 as BigInt64Array), from its `folder` of recorded runs. */
export function readReferenceTensor(fixtureDir: string, name: string, folder = 'reference'): ReferenceTensor {
  const entry = readReferenceIndex(fixtureDir, folder).tensors[name];
  if (!entry) throw new Error(`${join(fixtureDir, folder)} has no reference tensor "${name}"`);
  const bytes = readFileSync(join(fixtureDir, folder, entry.file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { data: entry.dtype === 'int64' ? new BigInt64Array(buffer) : new Float32Array(buffer), dims: entry.shape };
}
