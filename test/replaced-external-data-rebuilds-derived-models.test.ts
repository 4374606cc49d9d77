import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { maxAbsDifference } from './fixtures/run-tiny-variant.ts';
import { CHUNKED_DEEPCACHE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { copyUserModel } from './fixtures/copy-user-model.ts';

// DeepCache with FME chunking derives the most files from the UNet: the split pair, their chunked copies, and the
// optimised copies with weights inlined. Replacing unet.onnx.data alone (same size, same graph file) must reach all.

describe('replacing a UNet external data file', () => {
  it('rebuilds every derived model from the new weights', async () => {
    const dir = copyUserModel('animatediff-tiny', 'lightbench-replaced-');
    const modelDir = await mkdtemp(join(tmpdir(), 'lightbench-replaced-cache-'));
    const run = async (cache: string) => {
      const model = await loadModelManifest(join(dir, 'manifest.json'));
      return (await runUser(userRequest(model, CHUNKED_DEEPCACHE, { steps: 2, modelDir: cache }))).frames;
    };
    const before = await run(modelDir);
    // Other weights of the same size: every float32 halved.
    const data = readFileSync(join(dir, 'unet.onnx.data'));
    const floats = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    for (let i = 0; i < floats.length; i++) floats[i] = floats[i]! * 0.5;
    writeFileSync(join(dir, 'unet.onnx.data'), data);
    const after = await run(modelDir);
    const fresh = await run(await mkdtemp(join(tmpdir(), 'lightbench-replaced-fresh-')));
    expect(maxAbsDifference(before, fresh)).toBeGreaterThan(1e-3);
    expect(maxAbsDifference(after, fresh)).toBe(0);
  }, 120_000);
});
