// What Pyramid Attention Broadcast's graphs cost per call against the plain transformer, side by side in one
// process: a DiT preset's transformer (fused attention), its computing graph (which also returns every attention
// output) and its broadcast graphs (taking spatial, cross or both attention outputs as inputs), called in turn
// `repeats` times from the same inputs. Prints each graph's median call time and FLOPs and their ratios to the
// plain transformer's.
//   npx tsx harness/benchmark-attention-broadcast.ts [--preset dit-small] [--repeats 6] [--threads 1]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { median } from 'simple-statistics';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { attentionBroadcastGraph, attentionOutputs } from '../pipelines/onnx/attention-broadcast-graphs.ts';
import { countModelWork } from '../pipelines/onnx/flop-counter.ts';
import { provideExternalData } from '../pipelines/onnx/graph-splitter.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { OrtTensor } from '../pipelines/ort-backend.ts';
import { createSession, floatTensor, readFloat } from '../pipelines/ort-backend.ts';
import { gaussianNoise } from '../pipelines/seeded-random.ts';
import { staticShape, typedTensor } from '../pipelines/user-conditioning.ts';
import type { AttentionKind } from '../pipelines/types.ts';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import { MEASURED_SESSION, defaultModelDir } from './suite-config.ts';

const command = 'benchmark-attention-broadcast';
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  preset: { type: 'string', help: 'diffusion-transformer preset', default: 'dit-small' },
  repeats: { type: 'string', help: 'calls per graph, taking turns', default: '6' },
  threads: { type: 'string', help: 'ORT intra-op threads', default: '1' },
});
const repeats = integerOption(command, 'repeats', options.repeats as string, 1, 100)!;
const threads = integerOption(command, 'threads', options.threads as string, 0, 256)!;
const model = await loadDitPreset(defaultModelDir(), getDitPreset(options.preset as string), 'fused');
const source = await readOnnxModel(model.denoiser.path);
const { inputs } = model.denoiser;
const outputs = attentionOutputs(source, inputs.sample.name);
const dir = await mkdtemp(join(tmpdir(), 'lightbench-pab-bench-'));
try {
  await provideExternalData(source, model.denoiser.path, dir);
  const combos: [string, AttentionKind[] | null][] = [['plain transformer', null], ['computing (returns attention)', []], ['broadcast spatial', ['spatial']], ['broadcast cross', ['cross']], ['broadcast spatial+cross', ['spatial', 'cross']]];
  const graphs = await Promise.all(
    combos.map(async ([label, reused], i) => {
      const path = reused === null ? model.denoiser.path : join(dir, `graph-${i}.onnx`);
      if (reused !== null) await writeFile(path, encodeOnnxModel(attentionBroadcastGraph(source, outputs, ['spatial', 'cross'], reused)));
      const session = await createSession({ path, settings: { ...MEASURED_SESSION, intraOpThreads: threads }, executionProvider: 'cpu' });
      return { label, session, flops: (await countModelWork(path)).flops, ms: [] as number[] };
    }),
  );
  const batch = staticShape(inputs.sample, [2])[0]!;
  const tensor = (dims: number[], seed: number) => floatTensor(gaussianNoise(seed, dims.reduce((a, b) => a * b, 1)), dims);
  const feeds: Record<string, OrtTensor> = {
    [inputs.sample.name]: tensor(staticShape(inputs.sample, [batch]), 1),
    [inputs.timestep.name]: typedTensor(inputs.timestep, Array.from({ length: batch }, () => 500), inputs.timestep.shape?.length === 0 ? [] : [batch]),
    [inputs.encoderHiddenStates.name]: tensor(staticShape(inputs.encoderHiddenStates, [batch]), 2),
  };
  // The attention outputs the broadcast graphs take: those of one call of the computing graph.
  Object.assign(feeds, await graphs[1]!.session.run(feeds));
  for (let r = 0; r < repeats; r++) {
    for (const g of graphs) {
      const start = performance.now();
      const out = await g.session.run(Object.fromEntries(g.session.inputNames.map((name) => [name, feeds[name]!])));
      for (const t of Object.values(out)) await readFloat(t);
      g.ms.push(performance.now() - start);
    }
  }
  const plain = graphs[0]!;
  const table = new Table({ head: ['graph', 'median ms', 'time vs plain', 'GFLOP', 'FLOPs vs plain'] });
  for (const g of graphs) table.push([g.label, median(g.ms).toFixed(0), `${(median(g.ms) / median(plain.ms)).toFixed(2)}×`, (g.flops / 1e9).toFixed(2), `${(g.flops / plain.flops).toFixed(2)}×`]);
  console.log(`${model.name}: ${outputs.spatial.length} spatial and ${outputs.cross.length} cross attention outputs; ${repeats} calls per graph taking turns, ${threads} intra-op thread(s)`);
  console.log(table.toString());
  for (const g of graphs) await g.session.release();
} finally {
  await rm(dir, { recursive: true, force: true });
}
