import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphBuilder } from '../onnx/graph-builder.ts';
import type { AttentionForm, BuiltModel, SharedWeights } from '../onnx/types.ts';
import { externalDataFiles, readOnnxModel } from '../onnx/model-file.ts';
import { saveOptimizedModel } from '../ort-backend.ts';
import { countModelWork } from '../onnx/flop-counter.ts';
import type { ModelWork } from '../onnx/flop-counter.ts';
import type { SessionSettings } from '../types.ts';
import { buildTextEncoderGraph } from './text-encoder.ts';
import { buildDitGraph } from './dit.ts';
import type { ChunkCounts, DitGraphOptions, DitPreset, ModelPreset, UnetGraphMode } from './types.ts';
import { buildUnetGraph } from './unet.ts';
import { buildVaeDecoderGraph } from './vae-decoder.ts';
import { recordCacheFile, reusableCacheFile } from './cache-file-check.ts';

/** Bump when a builder's output changes for the same preset: cached models are then rebuilt. */
export const BUILDER_VERSION = 4;
/** Weights are drawn from this seed; the run's `--seed` only draws the initial noise. */
export const WEIGHT_SEED = 20251006;

/** One model file a pipeline needs, described by what determines its bytes. */
export type ModelComponent = (
  | { component: 'text-encoder' }
  | { component: 'unet'; mode: UnetGraphMode; cacheBranch: number; chunks: ChunkCounts | null; frames: number; videos: number }
  | { component: 'vae-decoder'; frames: number }
) & { /** Fused MultiHeadAttention or primitives; fused when absent. */ attention?: AttentionForm };

function componentBuilder(preset: ModelPreset, spec: ModelComponent, materialize = true): () => GraphBuilder {
  switch (spec.component) {
    case 'text-encoder':
      return () => buildTextEncoderGraph(preset, WEIGHT_SEED, materialize, spec.attention);
    case 'unet':
      return () => buildUnetGraph(preset, spec, WEIGHT_SEED, materialize);
    case 'vae-decoder':
      return () => buildVaeDecoderGraph(preset, spec.frames, WEIGHT_SEED, materialize, spec.attention);
  }
}

/** Options of the model store; tests lower the size above which weights leave the model file. */
export interface ModelStoreOptions {
  externalDataThresholdBytes?: number;
}

const DEFAULT_EXTERNAL_BYTES = 1_800_000_000;

/**
 * The weights of a real-size model, drawn once into one file that every graph of that model (full, with cache
 * output, shallow, chunked; a transformer's head, middle and tail) points into: they share weight names, so one
 * 5 GB copy serves them all instead of one per graph, and the weights are drawn once instead of once per graph.
 * `full` builds the graph that holds every weight; `identity` is what determines the weights.
 */
async function ensureSharedWeights(modelDir: string, stem: string, identity: unknown, full: () => GraphBuilder): Promise<SharedWeights> {
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  const fileName = `${stem}-weights-${digest}.data`;
  const indexPath = join(modelDir, `${fileName}.index.json`);
  if (existsSync(indexPath)) return { fileName, index: JSON.parse(await readFile(indexPath, 'utf8')) as SharedWeights['index'] };
  const index: SharedWeights['index'] = {};
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(join(modelDir, fileName) + suffix, 'w');
  try {
    let offset = 0;
    for (const { name, bytes } of full().weights()) {
      await handle.write(bytes);
      index[name] = { offset, length: bytes.byteLength };
      offset += bytes.byteLength;
    }
  } finally {
    await handle.close();
  }
  await rename(join(modelDir, fileName) + suffix, join(modelDir, fileName));
  await writeFile(indexPath + suffix, JSON.stringify(index));
  await rename(indexPath + suffix, indexPath);
  return { fileName, index };
}

function ensureSharedUnetWeights(modelDir: string, preset: ModelPreset, threshold: number): Promise<SharedWeights> {
  return ensureSharedWeights(modelDir, `${preset.name}-unet`, { BUILDER_VERSION, WEIGHT_SEED, preset, threshold }, () =>
    buildUnetGraph(preset, { mode: 'full', cacheBranch: 0, chunks: null, frames: 1, videos: 1 }, WEIGHT_SEED),
  );
}

/** The cache key: builder version, the preset's dimensions and the component options. */
export function modelKey(preset: ModelPreset, spec: ModelComponent, builderVersion = BUILDER_VERSION): string {
  // An absent form is the fused one, so both spellings name one file.
  const keyed = { ...spec, attention: spec.attention ?? 'fused' };
  const digest = createHash('sha256').update(JSON.stringify({ builderVersion, WEIGHT_SEED, preset, spec: keyed })).digest('hex').slice(0, 16);
  return `${preset.name}-${spec.component}-${digest}`;
}

/**
 * Path of a built model, building it on first use. The file is written under a temporary name and renamed,
 * so a crash mid-build never leaves a truncated model that a later run would load.
 */
export async function ensureModel(modelDir: string, preset: ModelPreset, spec: ModelComponent, options: ModelStoreOptions = {}): Promise<string> {
  const threshold = options.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_BYTES;
  const key = modelKey(preset, spec) + (threshold === DEFAULT_EXTERNAL_BYTES ? '' : `-x${threshold}`);
  const path = join(modelDir, `${key}.onnx`);
  if (await reusableBuiltModel(path)) return path;
  await mkdir(modelDir, { recursive: true });
  // Counting needs no weights: sd15's UNet is measured in a second, not drawn.
  const sharedUnet = spec.component === 'unet' && componentBuilder(preset, spec, false)().weightBytes() > threshold;
  const built = sharedUnet
    ? componentBuilder(preset, spec, false)().build(`${key}.onnx.data`, await ensureSharedUnetWeights(modelDir, preset, threshold))
    : componentBuilder(preset, spec)().build(`${key}.onnx.data`);
  await writeBuiltModel(modelDir, path, built);
  return path;
}

/** Bump when the transformer builder's output changes for the same preset: cached transformer graphs are then rebuilt. */
export const DIT_BUILDER_VERSION = 3;

/** The cache key of a transformer graph: builder version, the preset's dimensions and the graph options. */
export function ditModelKey(preset: DitPreset, spec: DitGraphOptions, builderVersion = DIT_BUILDER_VERSION): string {
  // The whole graph does not depend on the split; an absent attention form is the fused one.
  const keyed = { ...spec, attention: spec.attention ?? 'fused', ...(spec.mode === 'full' ? { firstBlocks: 0, lastBlocks: 0 } : {}) };
  const digest = createHash('sha256').update(JSON.stringify({ builderVersion, WEIGHT_SEED, preset, spec: keyed })).digest('hex').slice(0, 16);
  return `${preset.name}-transformer-${spec.mode}-${digest}`;
}

/**
 * Path of a built transformer graph (whole, with block residual, head, middle or tail), building it on first use.
 * Above the external-data size every graph of the preset points into one shared weights file.
 */
export async function ensureDitModel(modelDir: string, preset: DitPreset, spec: DitGraphOptions, options: ModelStoreOptions = {}): Promise<string> {
  const threshold = options.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_BYTES;
  const key = ditModelKey(preset, spec) + (threshold === DEFAULT_EXTERNAL_BYTES ? '' : `-x${threshold}`);
  const path = join(modelDir, `${key}.onnx`);
  if (await reusableBuiltModel(path)) return path;
  await mkdir(modelDir, { recursive: true });
  const shared = buildDitGraph(preset, spec, WEIGHT_SEED, false).weightBytes() > threshold;
  const built = shared
    ? buildDitGraph(preset, spec, WEIGHT_SEED, false).build(
        `${key}.onnx.data`,
        await ensureSharedWeights(modelDir, `${preset.name}-transformer`, { DIT_BUILDER_VERSION, WEIGHT_SEED, preset, threshold }, () =>
          buildDitGraph(preset, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 1 }, WEIGHT_SEED),
        ),
      )
    : buildDitGraph(preset, spec, WEIGHT_SEED).build(`${key}.onnx.data`);
  await writeBuiltModel(modelDir, path, built);
  return path;
}

/**
 * Path of a graph that no preset component describes (a DiT preset's text encoder and VAE graphs), under `key`
 * (which must name everything its bytes depend on), building it on first use.
 */
export async function ensureBuiltGraph(modelDir: string, key: string, build: () => GraphBuilder): Promise<string> {
  const path = join(modelDir, `${key}.onnx`);
  if (await reusableBuiltModel(path)) return path;
  await mkdir(modelDir, { recursive: true });
  await writeBuiltModel(modelDir, path, build().build(`${key}.onnx.data`));
  return path;
}

/** Writes a built model (and its own external data, if any) under temporary names, then renames them into place. */
async function writeBuiltModel(modelDir: string, path: string, built: BuiltModel): Promise<void> {
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  if (built.externalData) {
    const builtDataPath = join(modelDir, built.externalData.fileName);
    const handle = await open(builtDataPath + suffix, 'w');
    try {
      for (const chunk of built.externalData.chunks) await handle.write(chunk);
    } finally {
      await handle.close();
    }
    await rename(builtDataPath + suffix, builtDataPath);
    await recordCacheFile(builtDataPath);
  }
  try {
    await writeFile(path + suffix, built.modelBytes);
    await rename(path + suffix, path);
  } catch (error) {
    await rm(path + suffix, { force: true });
    throw error;
  }
  await recordCacheFile(path);
}

/** Whether a built model (and its own external data, if it has one) is in the cache and intact. */
async function reusableBuiltModel(path: string): Promise<boolean> {
  const dataPath = `${path}.data`;
  return (await reusableCacheFile(path, 'onnx')) && (!existsSync(dataPath) || (await reusableCacheFile(dataPath, 'data')));
}

/**
 * Path of `path` optimised by ORT at `level` for this CPU, optimising on first use. The result may hold
 * CPU-specific layouts (NCHWc), so the CPU model is part of its name. Models with external data are not
 * pre-optimised (ORT would have to re-emit gigabytes); their sessions optimise at load instead.
 */
export async function ensureOptimizedModel(path: string, level: SessionSettings['graphOptimizationLevel']): Promise<string | null> {
  if (level === 'disabled') return null;
  const cpuKey = createHash('sha256').update(cpus()[0]?.model ?? 'cpu').digest('hex').slice(0, 8);
  const optimized = path.replace(/\.onnx$/, `.ort-${level}-${cpuKey}.onnx`);
  if (await reusableCacheFile(optimized, 'onnx')) return optimized;
  if (externalDataFiles(await readOnnxModel(path)).length > 0) return null;
  const temp = `${optimized}.tmp-${process.pid}-${Date.now()}.onnx`;
  try {
    await saveOptimizedModel(path, temp, level);
    await rename(temp, optimized);
    await recordCacheFile(optimized);
  } finally {
    await rm(temp, { force: true });
  }
  return optimized;
}

/**
 * Work of one call of a model, kept in a small file beside it: counting decodes the whole model, which would
 * leave a measured process hundreds of MB larger, so it happens once, where the model is prepared.
 */
export async function modelWork(path: string): Promise<ModelWork> {
  const sidecar = `${path}.work.json`;
  if (await reusableCacheFile(sidecar, 'json')) return JSON.parse(await readFile(sidecar, 'utf8')) as ModelWork;
  const work = await countModelWork(path);
  const temp = `${sidecar}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(temp, JSON.stringify(work));
  await rename(temp, sidecar);
  await recordCacheFile(sidecar);
  return work;
}
