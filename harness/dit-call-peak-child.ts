// Runs one diffusion-transformer model file once in this (fresh) process and prints its host memory as one JSON line:
//   node --import tsx harness/dit-call-peak-child.ts <model.onnx> <dit preset> <videos> [intra-op threads, default 1]
// The peak is VmHWM after a reset through /proc/self/clear_refs right before the run, so session creation and
// input allocation are not counted. Run it with MALLOC_MMAP_THRESHOLD_=131072 so freed blocks go back to the system.
import { readFileSync, writeFileSync } from 'node:fs';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import { createSession, floatTensor } from '../pipelines/ort-backend.ts';
import { gaussianNoise } from '../pipelines/seeded-random.ts';

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

const [modelPath, presetName, videosText, threadsText] = process.argv.slice(2);
if (!modelPath || !presetName || !videosText) throw new Error('usage: dit-call-peak-child.ts <model.onnx> <dit preset> <videos> [threads]');
const preset = getDitPreset(presetName);
const videos = Number(videosText);
const session = await createSession({
  path: modelPath,
  settings: { cpuMemArena: false, memPattern: false, graphOptimizationLevel: 'all', intraOpThreads: Number(threadsText ?? 1), interOpThreads: 1, fuseAttention: true },
  executionProvider: 'cpu',
});
const sampleDims = [videos, preset.latentChannels, preset.frames, preset.latentHeight, preset.latentWidth];
const contextDims = [videos, preset.textTokens, preset.transformer.textDim];
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const feeds = {
  [DIT_IO.sample]: floatTensor(gaussianNoise(1, size(sampleDims)), sampleDims),
  [DIT_IO.timestep]: floatTensor(new Float32Array(videos).fill(500), [videos]),
  [DIT_IO.context]: floatTensor(gaussianNoise(2, size(contextDims)), contextDims),
};
// Writing 5 resets the peak resident set size to the current one.
writeFileSync('/proc/self/clear_refs', '5');
const rssBeforeKb = statusKb('VmRSS');
const started = performance.now();
const outputs = await session.run(feeds);
const runMs = performance.now() - started;
const peakKb = statusKb('VmHWM');
const noise = outputs[DIT_IO.noise]!.data as Float32Array;
// The sum lets the caller see that chunked and unchunked calls computed the same output.
const sum = noise.reduce((a, b) => a + b, 0);
process.stdout.write(`${JSON.stringify({ rssBeforeBytes: rssBeforeKb * 1024, peakRssBytes: peakKb * 1024, runMs, finite: noise.every(Number.isFinite), sum })}\n`);
await session.release();
