import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { userRequest } from './fixtures/run-user-variant.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

// Regions are found from the shapes a graph states for its tensors. A transformer exported without them (here
// wan-tiny with every intermediate shape but the manifest's block tensors removed) cannot be chunked: fme fails
// before anything runs with a message naming the graph file and how many of its tensors have a shape.
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-dit-shapeless-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('token chunking of a transformer without stated shapes', () => {
  it('is refused naming the file and the shapes it lacks', async () => {
    let keep: string[] = [];
    const manifestPath = writeManifestVariant('wan-tiny', dir, (manifest) => {
      const { blocks } = manifest.denoiser.architecture;
      keep = [...Object.values(blocks.input), ...blocks.outputs.flatMap((o: Record<string, string>) => Object.values(o))] as string[];
    });
    const transformer = join(dirname(manifestPath), 'transformer.onnx');
    const model = onnxProto.onnx.ModelProto.decode(await readFile(transformer));
    const stated = model.graph!.valueInfo!.length;
    model.graph!.valueInfo = model.graph!.valueInfo!.filter((info) => keep.includes(info.name!));
    expect(model.graph!.valueInfo.length).toBeLessThan(stated);
    await unlink(transformer);
    await writeFile(transformer, onnxProto.onnx.ModelProto.encode(model).finish());

    const dit = await loadDitManifest(manifestPath);
    const fme = { name: 'fme', kind: 'fme' as const, cache: null, chunks: { batchFrames: 9, spatial: 2 }, tokenChunks: 3, sliceFrames: null, swap: false };
    const error = await prepareUserModels(userRequest(dit, fme, { modelDir: join(dir, 'models') })).catch((e: unknown) => e);
    console.log((error as Error).message);
    expect((error as Error).message).toMatch(/transformer[^:]*\.onnx: no region of row-independent convolutions or matrix products over 12 token rows was found/);
    expect((error as Error).message).toMatch(/static shapes the graph states for its tensors \(value_info\), and \d+ of its \d+ node outputs have one/);
  });
});
