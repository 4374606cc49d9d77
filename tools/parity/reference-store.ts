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

export function readReferenceIndex(fixtureDir: string): ReferenceIndex {
  return JSON.parse(readFileSync(join(fixtureDir, 'reference', 'reference.json'), 'utf8')) as ReferenceIndex;
}

/** A recorded tensor of the fixture in `fixtureDir` (float32, or int64 as BigInt64Array). */
export function readReferenceTensor(fixtureDir: string, name: string): ReferenceTensor {
  const entry = readReferenceIndex(fixtureDir).tensors[name];
  if (!entry) throw new Error(`${fixtureDir} has no reference tensor "${name}"`);
  const bytes = readFileSync(join(fixtureDir, 'reference', entry.file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { data: entry.dtype === 'int64' ? new BigInt64Array(buffer) : new Float32Array(buffer), dims: entry.shape };
}
