import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { fuseAttention } from '../pipelines/onnx/attention-fusion.ts';
import type { AttentionOutputs } from '../pipelines/onnx/types.ts';
import { attentionBroadcastGraph, attentionOutputs } from '../pipelines/onnx/attention-broadcast-graphs.ts';
import { provideExternalData } from '../pipelines/onnx/graph-splitter.ts';
import type { OnnxModel } from '../pipelines/onnx/model-file.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

// On wan-tiny with fused attention: each block's self- and cross-attention output is found (4 blocks, one each);
// the full graph returns them; a broadcast graph fed the same call's outputs gives the full graph's prediction
// (the same operators, attention read instead of computed) with the fused attention of the taken kinds gone, and
// fed other values it gives another prediction, so the inputs are read.
const TOLERANCE = 1e-5;
const fixture = 'wan-tiny';
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-pab-graphs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wan-tiny: pab graphs', () => {
  const source = join(USER_MODELS_DIR, fixture, 'transformer.onnx');
  let outputs: AttentionOutputs;
  let fused: OnnxModel;
  let feeds: Record<string, Feed>;
  let prediction = '';
  let full: Record<string, Float32Array>;
  let fullGraph: OnnxModel;
  const write = async (name: string, graph: OnnxModel) => {
    const path = join(dir, `${name}.onnx`);
    await writeFile(path, encodeOnnxModel(graph));
    return path;
  };
  const mha = (graph: OnnxModel) => graph.graph!.node!.filter((n) => n.opType === 'MultiHeadAttention').length;
  const dims = (graph: OnnxModel, name: string) => (graph.graph!.output ?? []).find((o) => o.name === name)!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
  beforeAll(async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    fused = fuseAttention(await readOnnxModel(source)).model;
    await provideExternalData(fused, source, dir);
    outputs = attentionOutputs(fused, model.denoiser.inputs.sample.name);
    const { inputs } = model.denoiser;
    feeds = {
      [inputs.sample.name]: referenceTensor(fixture, 'transformer.hidden_states'),
      [inputs.timestep.name]: referenceTensor(fixture, 'transformer.timestep'),
      [inputs.encoderHiddenStates.name]: referenceTensor(fixture, 'transformer.encoder_hidden_states'),
    };
    prediction = model.denoiser.outputs.noisePred.name;
    fullGraph = attentionBroadcastGraph(fused, outputs, ['spatial', 'cross'], []);
    full = await runModelFile(await write('computing', fullGraph), feeds);
  });

  it('finds one self- and one cross-attention output per block', () => {
    expect(outputs.spatial).toHaveLength(4);
    expect(outputs.cross).toHaveLength(4);
    expect(new Set([...outputs.spatial, ...outputs.cross]).size).toBe(8);
  });

  it.each([[['spatial']], [['cross']], [['spatial', 'cross']]] as const)('taking %j as inputs reproduces the full prediction and drops their attention', async (reused) => {
    const graph = attentionBroadcastGraph(fused, outputs, ['spatial', 'cross'], reused);
    const taken = reused.flatMap((k) => outputs[k]);
    const given = Object.fromEntries(taken.map((name) => [name, { data: full[name]!, dims: dims(fullGraph, name) }]));
    const path = await write(`broadcast-${reused.join('-')}`, graph);
    const out = await runModelFile(path, { ...feeds, ...given });
    expect(maxAbsDiff(out[prediction]!, full[prediction]!) / maxAbs(full[prediction]!)).toBeLessThan(TOLERANCE);
    expect(mha(graph)).toBe(8 - 4 * reused.length);
    // The kinds not taken are returned for keeping.
    const returned = (graph.graph!.output ?? []).map((o) => o.name);
    for (const kind of ['spatial', 'cross'] as const) for (const name of outputs[kind]) expect(returned.includes(name)).toBe(!(reused as readonly string[]).includes(kind));
    // Other attention values change the prediction: the graph reads what it is given.
    const halved = Object.fromEntries(Object.entries(given).map(([name, t]) => [name, { data: t.data.map((v) => v * 0.5), dims: t.dims }]));
    const other = await runModelFile(path, { ...feeds, ...halved });
    expect(maxAbsDiff(other[prediction]!, full[prediction]!)).toBeGreaterThan(1e-3);
  });
});
