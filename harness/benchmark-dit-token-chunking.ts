// Peak host memory of one diffusion-transformer call, unchunked and chunked over tokens, side by side in one run:
// the built transformer of a DiT preset in each attention form, each graph called in a fresh process (the forms'
// graphs taking turns, `repeats` times), with the measured allocator settings. Prints the working memory (peak
// minus resident before the call) and the call time of each graph, and each chunked graph's ratios to its plain one.
//   npx tsx harness/benchmark-dit-token-chunking.ts [--preset dit-small] [--token-chunks 4,9] [--attention fused,unfused] [--repeats 2]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { median } from 'simple-statistics';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import { chunkTokenGraph } from '../pipelines/onnx/graph-chunker.ts';
import { encodeOnnxModel, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { AttentionForm } from '../pipelines/onnx/types.ts';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';

const command = 'benchmark-dit-token-chunking';
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  preset: { type: 'string', help: 'diffusion-transformer preset', default: 'dit-small' },
  'token-chunks': { type: 'string', help: 'comma-separated token chunk counts', default: '4,9' },
  attention: { type: 'string', help: 'comma-separated attention forms (fused, unfused)', default: 'fused,unfused' },
  repeats: { type: 'string', help: 'calls per graph, each in a fresh process', default: '2' },
  threads: { type: 'string', help: 'ORT intra-op threads of each call', default: '1' },
});
const preset = getDitPreset(options.preset as string);
const videos = 2;
const tokens = ditTokenShape(preset, videos)[1]!;
const repeats = integerOption(command, 'repeats', options.repeats as string, 1, 20)!;
const threads = integerOption(command, 'threads', options.threads as string, 0, 256)!;
const counts = (options['token-chunks'] as string).split(',').map((c) => integerOption(command, 'token-chunks', c, 2, tokens)!);
const forms = (options.attention as string).split(',') as AttentionForm[];
for (const form of forms) {
  if (form !== 'fused' && form !== 'unfused') throw new HarnessError('bad-arguments', `lightbench ${command}: --attention "${form}" is not accepted; accepted: fused, unfused`);
}
const MiB = 2 ** 20;
const child = fileURLToPath(new URL('./dit-call-peak-child.ts', import.meta.url));

interface CallPeak {
  rssBeforeBytes: number;
  peakRssBytes: number;
  runMs: number;
  finite: boolean;
  sum: number;
}

function call(path: string): Promise<CallPeak> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), child, path, preset.name, String(videos), String(threads)], {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', fail);
    proc.on('exit', (code, signal) => (code === 0 ? done(JSON.parse(out.trim().split('\n').at(-1)!)) : fail(new Error(`${path} call ended with ${signal ?? `exit code ${code}`}`))));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'lightbench-dit-chunking-'));
const lines = [`${preset.name} transformer, ${videos} videos × ${tokens} tokens, ${threads} intra-op thread(s), ${repeats} call(s) per graph, each in a fresh process`];
try {
  const table = new Table({ head: ['attention', 'graph', 'regions', 'run ms', 'working MiB', 'working vs plain', 'time vs plain'], style: { head: [], border: [] } });
  for (const form of forms) {
    const built = buildDitGraph(preset, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos, attention: form }, 7).build();
    const plainPath = join(dir, `${form}.onnx`);
    await writeFile(plainPath, built.modelBytes);
    if (built.externalData) await writeFile(join(dir, built.externalData.fileName), Buffer.concat(built.externalData.chunks));
    const graphs = [{ label: 'plain', path: plainPath, regions: 0 }];
    for (const chunks of counts) {
      const { model, regions } = chunkTokenGraph(await readOnnxModel(plainPath), { tokenCounts: [tokens], chunks });
      const path = join(dir, `${form}.tokens-${chunks}.onnx`);
      await writeFile(path, encodeOnnxModel(model));
      graphs.push({ label: `${chunks} token chunks`, path, regions: regions.length });
    }
    const peaks = graphs.map(() => [] as CallPeak[]);
    for (let r = 0; r < repeats; r++) for (const [k, graph] of graphs.entries()) peaks[k]!.push(await call(graph.path));
    const working = (k: number) => median(peaks[k]!.map((p) => p.peakRssBytes - p.rssBeforeBytes));
    const runMs = (k: number) => median(peaks[k]!.map((p) => p.runMs));
    for (const [k, graph] of graphs.entries()) {
      const drift = Math.abs(peaks[k]![0]!.sum - peaks[0]![0]!.sum) / Math.max(1, Math.abs(peaks[0]![0]!.sum));
      if (!peaks[k]!.every((p) => p.finite) || drift > 1e-4) lines.push(`warning: ${form} ${graph.label} output differs from the plain graph's (relative sum difference ${drift.toExponential(1)})`);
      table.push([form, graph.label, k ? String(graph.regions) : '—', runMs(k).toFixed(0), (working(k) / MiB).toFixed(1), k ? `${(working(k) / working(0)).toFixed(2)}×` : '—', k ? `${(runMs(k) / runMs(0)).toFixed(2)}×` : '—']);
    }
  }
  lines.push(table.toString());
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
