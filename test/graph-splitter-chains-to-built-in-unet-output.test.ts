import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNET_IO } from '../pipelines/models/types.ts';
import { unetBranchCount } from '../pipelines/models/unet.ts';
import { CACHE_FEATURE, splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import { TINY, builtCacheTensor, unetFeeds, writeBuiltFullUnet } from './fixtures/built-unet-cut.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';

// Split at the tensor the built-in full-with-cache graph returns, then chain: the shallow graph fed the split full
// graph's cache_feature must give the full graph's noise_pred (observed ≤ 1e-6: the same operators on the same values).
const TOLERANCE = 1e-5;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-split-built-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('splitting the built-in tiny UNet at its cache_feature tensor', () => {
  const feeds = unetFeeds(TINY);
  for (let branch = 0; branch < unetBranchCount(TINY); branch++) {
    it(`branch ${branch}: split full keeps noise_pred, and shallow fed its cache_feature reproduces it within ${TOLERANCE}`, async () => {
      const cut = builtCacheTensor(TINY, branch);
      const source = await writeBuiltFullUnet(dir, TINY, branch);
      const split = await splitModelFile(source, cut, join(dir, `split-${branch}`));
      expect(split.boundarySource).toBe('value_info');
      expect(split.nodes.shallow).toBeLessThan(split.nodes.full);
      expect(split.parameters.shallow).toBeLessThan(split.parameters.full);

      const reference = (await runModelFile(source, feeds))[UNET_IO.noise]!;
      const full = await runModelFile(split.fullPath, feeds);
      const feature = full[CACHE_FEATURE]!;
      expect(feature.length).toBe(split.boundary.shape!.reduce<number>((p, d) => p * (d as number), 1));
      const shallow = await runModelFile(split.shallowPath, { ...feeds, [CACHE_FEATURE]: { data: feature, dims: split.boundary.shape as number[] } });
      const fullError = maxAbsDiff(full[UNET_IO.noise]!, reference);
      const shallowError = maxAbsDiff(shallow[UNET_IO.noise]!, reference);
      console.log(`tiny branch ${branch} (cut ${cut}, ${split.nodes.shallow}/${split.nodes.full} nodes): split full ${fullError.toExponential(2)}, chained shallow ${shallowError.toExponential(2)}, max |noise_pred| ${maxAbs(reference).toFixed(3)}`);
      expect(fullError).toBeLessThanOrEqual(TOLERANCE);
      expect(shallowError).toBeLessThanOrEqual(TOLERANCE);
      // The shallow graph really reads the feature: a perturbed one moves the output.
      const perturbed = feature.map((v, i) => v + (i % 5 === 0 ? 0.5 : 0));
      const moved = await runModelFile(split.shallowPath, { ...feeds, [CACHE_FEATURE]: { data: perturbed, dims: split.boundary.shape as number[] } });
      expect(maxAbsDiff(moved[UNET_IO.noise]!, reference)).toBeGreaterThan(1e-3);
    });
  }
});
