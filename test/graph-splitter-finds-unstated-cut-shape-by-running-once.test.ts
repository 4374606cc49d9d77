import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UNET_IO } from '../pipelines/models/types.ts';
import { cacheFeatureShape } from '../pipelines/models/unet.ts';
import { CACHE_FEATURE, splitGraph, splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import { TINY, VIDEOS, builtCacheTensor, unetFeeds, writeBuiltFullUnet } from './fixtures/built-unet-cut.ts';
import { maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';

const { onnx } = onnxProto;
const BRANCH = 1;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-split-unstated-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('without value_info the cut shape comes from one run on zeros, and the split still chains to the full output', async () => {
  const source = await writeBuiltFullUnet(dir, TINY, BRANCH);
  const model = onnx.ModelProto.decode(await readFile(source));
  model.graph!.valueInfo = [];
  const bare = join(dir, 'bare.onnx');
  await writeFile(bare, onnx.ModelProto.encode(model).finish());
  const cut = builtCacheTensor(TINY, BRANCH);

  expect(() => splitGraph(model, cut)).toThrow(`the graph states no shape for "${cut}"`);
  const split = await splitModelFile(bare, cut, join(dir, 'out'));
  expect(split.boundarySource).toBe('zeros-run');
  expect(split.boundary).toEqual({ name: CACHE_FEATURE, elementType: 'float32', shape: cacheFeatureShape(TINY, { cacheBranch: BRANCH, frames: TINY.frames, videos: VIDEOS }) });

  const feeds = unetFeeds(TINY);
  const reference = (await runModelFile(source, feeds))[UNET_IO.noise]!;
  const full = await runModelFile(split.fullPath, feeds);
  const shallow = await runModelFile(split.shallowPath, { ...feeds, [CACHE_FEATURE]: { data: full[CACHE_FEATURE]!, dims: split.boundary.shape as number[] } });
  expect(maxAbsDiff(shallow[UNET_IO.noise]!, reference)).toBeLessThanOrEqual(1e-5);
});

it('a cut name no node produces is an error listing close names', async () => {
  const source = await writeBuiltFullUnet(dir, TINY, BRANCH);
  const cut = builtCacheTensor(TINY, BRANCH);
  const wrong = `${cut}9`;
  const error = await splitModelFile(source, wrong, join(dir, 'never')).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'HarnessError', code: 'unknown-tensor' });
  expect((error as Error).message).toContain(`cannot cut at "${wrong}": no node produces it; closest tensor names: ${cut}`);
  await expect(splitModelFile(source, UNET_IO.sample, join(dir, 'never'))).rejects.toThrow(`cannot cut at "${UNET_IO.sample}": it is a graph input`);
});
