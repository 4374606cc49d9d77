import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { CACHE_FEATURE, splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, USER_MODEL_FIXTURES, unetFeeds } from './fixtures/user-model-reference.ts';

// The exported diffusers UNets (IR 10, weights in external data) split at every manifest cut point, written to
// another folder (the data file is linked there), then chained on the first UNet call the PyTorch pipeline made:
// the shallow graph fed the full graph's cache_feature gives the full graph's output within 1e-5 (observed 0).
const TOLERANCE = 1e-5;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-split-diffusers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const fixture of USER_MODEL_FIXTURES) {
  describe(`${fixture}: split UNet chained equals the full UNet`, async () => {
    const model = await loadModelManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    const feeds = unetFeeds(fixture, model);
    const outputName = model.unet.outputs.noisePred.name;
    let reference: Float32Array;
    beforeAll(async () => {
      reference = (await runModelFile(model.unet.path, feeds))[outputName]!;
    });

    for (const point of model.unet.cutPoints) {
      it(`branch ${point.branch} (cut ${point.tensor.name})`, async () => {
        const out = join(dir, `${fixture}-${point.branch}`);
        const split = await splitModelFile(model.unet.path, point.tensor.name, out);
        expect(split.externalData.map((d) => d.file)).toEqual(model.unet.externalData);
        expect(split.externalData.every((d) => d.how === 'copy')).toBe(true);
        expect(split.nodes.shallow).toBeLessThan(split.nodes.full);
        const full = await runModelFile(split.fullPath, feeds);
        const feature = full[CACHE_FEATURE]!;
        const shallow = await runModelFile(split.shallowPath, { ...feeds, [CACHE_FEATURE]: { data: feature, dims: split.boundary.shape as number[] } });
        const fullError = maxAbsDiff(full[outputName]!, reference);
        const shallowError = maxAbsDiff(shallow[outputName]!, reference);
        console.log(`${fixture} branch ${point.branch}: ${split.nodes.shallow}/${split.nodes.full} nodes; split full ${fullError.toExponential(2)}, chained shallow ${shallowError.toExponential(2)}, max |output| ${maxAbs(reference).toFixed(3)}`);
        expect(fullError).toBeLessThanOrEqual(TOLERANCE);
        expect(shallowError).toBeLessThanOrEqual(TOLERANCE);
        const perturbed = feature.map((v, i) => v + (i % 5 === 0 ? 0.5 : 0));
        const moved = await runModelFile(split.shallowPath, { ...feeds, [CACHE_FEATURE]: { data: perturbed, dims: split.boundary.shape as number[] } });
        expect(maxAbsDiff(moved[outputName]!, reference)).toBeGreaterThan(1e-4);
      });
    }
  });
}
