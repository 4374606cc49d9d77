import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { CACHE_FEATURE, provideExternalData } from '../pipelines/onnx/graph-splitter.ts';
import { FIRST_BLOCK_RESIDUAL, firstBlockCacheGraphs } from '../pipelines/onnx/first-block-cache-graphs.ts';
import type { OnnxModel } from '../pipelines/onnx/model-file.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { firstBlockStreams } from '../pipelines/user-model-files.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

// The head (through block 0) → rest chain and the rest with the remaining blocks' residual added back must give the
// exported transformer's output on its recorded first call: the same operators, cut into sessions, within 1e-5.
const TOLERANCE = 1e-5;
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-first-block-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['wan-tiny', 'easyanimate-tiny'])('%s: first-block-cache graphs', (fixture) => {
  const source = join(USER_MODELS_DIR, fixture, 'transformer.onnx');
  let outputs: { full: Float32Array; head: Record<string, Float32Array>; rest: Record<string, Float32Array>; cached: Record<string, Float32Array> };
  let nodes: { full: number; head: number; rest: number; cached: number };
  let crossing: string[];
  let prediction = '';
  let streams = 0;
  beforeAll(async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    const transformer = await readOnnxModel(source);
    const graphs = firstBlockCacheGraphs(transformer, firstBlockStreams(model));
    crossing = graphs.crossing;
    const out = join(dir, fixture);
    await provideExternalData(transformer, source, out);
    const write = async (name: string, graph: OnnxModel) => {
      const path = join(out, `${name}.onnx`);
      await writeFile(path, encodeOnnxModel(graph));
      return path;
    };
    const { inputs, outputs: named } = model.denoiser;
    const feeds: Record<string, Feed> = {
      [inputs.sample.name]: referenceTensor(fixture, 'transformer.hidden_states'),
      [inputs.timestep.name]: referenceTensor(fixture, 'transformer.timestep'),
      [inputs.encoderHiddenStates.name]: referenceTensor(fixture, 'transformer.encoder_hidden_states'),
    };
    const dims = (name: string) => (graphs.head.graph!.output ?? []).find((o) => o.name === name)!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
    const full = (await runModelFile(source, feeds))[named.noisePred.name]!;
    const head = await runModelFile(await write('head', graphs.head), feeds);
    const handed = { ...feeds, ...Object.fromEntries(crossing.map((name) => [name, { data: head[name]!, dims: dims(name) }])) };
    const restPath = await write('rest', graphs.rest);
    const rest = await runModelFile(restPath, handed);
    const feature = rest[CACHE_FEATURE]!;
    const width = dims(crossing[0]!)[2]!;
    const cached = await runModelFile(await write('cached-rest', graphs.cachedRest), { ...handed, [CACHE_FEATURE]: { data: feature, dims: [2, feature.length / (2 * width), width] } });
    prediction = named.noisePred.name;
    streams = firstBlockStreams(model).length;
    outputs = { full, head, rest, cached };
    nodes = { full: transformer.graph!.node!.length, head: graphs.head.graph!.node!.length, rest: graphs.rest.graph!.node!.length, cached: graphs.cachedRest.graph!.node!.length };
    console.log(`${fixture}: nodes full ${nodes.full}, head ${nodes.head}, rest ${nodes.rest}, cached rest ${nodes.cached}; crossing ${crossing.join(', ')}`);
  });

  it('hands over the first block outputs and the conditioning the later blocks read', () => {
    expect(crossing.length).toBeGreaterThan(streams);
    expect(maxAbs(outputs.head[FIRST_BLOCK_RESIDUAL]!)).toBeGreaterThan(0);
    expect(nodes.head + nodes.rest).toBeLessThan(nodes.full + 10);
    expect(nodes.cached).toBeLessThan(nodes.rest / 2);
  });

  it('head then rest gives the transformer output', () => {
    expect(maxAbs(outputs.full)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(outputs.rest[prediction]!, outputs.full)).toBeLessThan(TOLERANCE);
  });

  it('the cached rest with the recorded residual gives it too', () => {
    expect(maxAbsDiff(outputs.cached[prediction]!, outputs.full)).toBeLessThan(TOLERANCE);
  });
});
