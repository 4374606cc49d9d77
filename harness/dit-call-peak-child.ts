// Runs one diffusion-transformer model file once in this (fresh) process and prints its host memory as one JSON line:
//   node --import tsx harness/dit-call-peak-child.ts <model.onnx> <dit preset> <videos> [intra-op threads, default 1]
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import { floatTensor } from '../pipelines/ort-backend.ts';
import { gaussianNoise } from '../pipelines/seeded-random.ts';
import { printOneCallPeak } from './one-call-peak.ts';

const [modelPath, presetName, videosText, threadsText] = process.argv.slice(2);
if (!modelPath || !presetName || !videosText) throw new Error('usage: dit-call-peak-child.ts <model.onnx> <dit preset> <videos> [threads]');
const preset = getDitPreset(presetName);
const videos = Number(videosText);
const sampleDims = [videos, preset.latentChannels, preset.frames, preset.latentHeight, preset.latentWidth];
const contextDims = [videos, preset.textTokens, preset.transformer.textDim];
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const feeds = {
  [DIT_IO.sample]: floatTensor(gaussianNoise(1, size(sampleDims)), sampleDims),
  [DIT_IO.timestep]: floatTensor(new Float32Array(videos).fill(500), [videos]),
  [DIT_IO.context]: floatTensor(gaussianNoise(2, size(contextDims)), contextDims),
};
await printOneCallPeak(modelPath, feeds, DIT_IO.noise, Number(threadsText ?? 1));
