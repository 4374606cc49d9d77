import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreset } from '../pipelines/models/presets.ts';
import { buildUnetGraph } from '../pipelines/models/unet.ts';
import { saveOptimizedModel } from '../pipelines/ort-backend.ts';

// The built-in UNet's GEGLU feed-forwards must reach ORT in the form PyTorch exports GELU, which ORT's optimiser
// turns into one Gelu kernel; any other spelling stays five elementwise passes over the widest activation of the
// block and makes the built-in models slower than a user's export of the same network.
const tiny = getPreset('tiny');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-gelu-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function optimisedOpTypes(): Promise<string[]> {
  const built = buildUnetGraph(tiny, { mode: 'full', cacheBranch: 0, chunks: null, frames: tiny.frames, videos: 2 }, 1).build('unet.onnx.data');
  const path = join(dir, 'unet.onnx');
  await writeFile(path, built.modelBytes);
  if (built.externalData) await writeFile(join(dir, built.externalData.fileName), Buffer.concat(built.externalData.chunks));
  await saveOptimizedModel(path, join(dir, 'unet.opt.onnx'), 'all');
  const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'unet.opt.onnx')));
  return model.graph!.node!.map((node) => node.opType!);
}

describe('the built-in UNet’s GELU after ORT’s optimiser', () => {
  it('is one Gelu node per feed-forward, with no Erf left', async () => {
    const before = buildUnetGraph(tiny, { mode: 'full', cacheBranch: 0, chunks: null, frames: tiny.frames, videos: 2 }, 1, false);
    const erfNodes = before.opTypes().filter((op) => op === 'Erf').length;
    expect(erfNodes).toBeGreaterThan(0);
    const ops = await optimisedOpTypes();
    expect(ops.filter((op) => op === 'Erf')).toHaveLength(0);
    expect(ops.filter((op) => op === 'Gelu')).toHaveLength(erfNodes);
  });
});
