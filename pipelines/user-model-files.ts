import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { attentionFormFor, attentionReport } from './attention-form.ts';
import { HarnessError } from './harness-error.ts';
import { withAttentionForm } from './models/dit-preset-manifest.ts';
import { ensureOptimizedModel } from './models/model-store.ts';
import type { ChunkCounts, ManifestTeaCache, UserDitSource } from './models/types.ts';
import { INLINE_LIMIT_BYTES, externalDataBytes, externalTensors, inlineExternalData } from './onnx/external-data.ts';
import { fuseAttention } from './onnx/attention-fusion.ts';
import type { BlockSpanStream } from './onnx/block-cache-graphs.ts';
import { blockCacheGraphs } from './onnx/block-cache-graphs.ts';
import type { BlockStream } from './onnx/types.ts';
import { firstBlockCacheGraphs } from './onnx/first-block-cache-graphs.ts';
import { teaCacheGraphs } from './onnx/teacache-graphs.ts';
import { countModelWork } from './onnx/flop-counter.ts';
import { chunkGraph, chunkTokenGraph } from './onnx/graph-chunker.ts';
import { provideExternalData, splitFilePaths, splitModelFile } from './onnx/graph-splitter.ts';
import type { OnnxModel } from './onnx/model-file.ts';
import { encodeOnnxModel, externalDataFiles, modelStem, readOnnxModel } from './onnx/model-file.ts';
import type { AttentionBroadcastConfig, AttentionKind, AttentionReport, RuntimeCacheConfig, UserPipelineRequest } from './types.ts';
import type { AttentionOutputs } from './onnx/types.ts';
import { attentionBroadcastGraph, attentionOutputs } from './onnx/attention-broadcast-graphs.ts';
import { attentionBroadcastSchedule, reusedKeys, scheduledKinds } from './attention-broadcast-schedule.ts';
import { ditCallOrder, ditCalls } from './dit-calls.ts';
import { createScheduler } from './schedulers/create-scheduler.ts';
import { unetBatch } from './user-conditioning.ts';
import { ditTokenChunking } from './dit-token-chunking.ts';
import { VARIANT_DEFAULTS } from './variants.ts';

/** The files one variant of a user model runs, and the work of one call of each. */
export interface UserModelFiles {
  /** Text encoder (text-to-video) or image encoder (image-to-video). */
  conditionEncoder: string;
  /** Image-to-video only: the VAE encoder of the conditioning image. */
  vaeEncoder: string | null;
  /** The UNet as exported, or its full-with-cache graph when the variant caches (chunked when it chunks). */
  unetFull: string;
  unetShallow: string | null;
  /** First-block cache: the transformer through its first block (then unetFull is the rest returning the remaining blocks' residual, unetShallow the rest reusing it); null otherwise. */
  denoiserHead: string | null;
  vaeDecoder: string;
  /** Diffusion transformers with a causal decoder: its first-frame and next-frame graphs; null otherwise. */
  causalDecoder: { firstFrame: string; nextFrame: string } | null;
  /** True when every file was optimised ahead of time, so sessions load them with optimisation off. */
  preOptimized: boolean;
  /** Work of one call of each graph, counted on the graphs before chunking (chunking moves rows only). */
  flops: { conditionEncoder: number; vaeEncoder: number; unetFull: number; unetShallow: number; denoiserHead: number; vaeDecoder: number; firstFrame: number; nextFrame: number };
  /** The attention form the UNet graphs ran with after the fusion pass. */
  attention: AttentionReport;
  /** Pyramid Attention Broadcast: its graphs by reuse key, the work of one call of each, and the attention outputs they hand on; absent otherwise. */
  attentionBroadcast?: AttentionBroadcastFiles;
}

/** The graphs of Pyramid Attention Broadcast on one transformer. */
export interface AttentionBroadcastFiles {
  /** By reuse key ('' computes every attention and returns the scheduled ones; 'spatial', 'cross', 'spatial+cross' take those as inputs). */
  graphs: Record<string, string>;
  flops: Record<string, number>;
  outputs: AttentionOutputs;
}

// Bumped when a derived file's content changes, so older copies in the cache are not reused.
const DERIVED_VERSION = 3;

/**
 * A cache folder for files derived from `path`, keyed by what is derived and by the model file and each of its
 * external data files (path, size, time): replacing `unet.onnx.data` alone must not reuse weights derived from the
 * old one.
 */
async function derivedDir(modelDir: string, modelName: string, path: string, what: string): Promise<string> {
  const files = [path, ...externalTensors(await readOnnxModel(path), path).map((t) => t.path)];
  const stamps = await Promise.all([...new Set(files)].map(async (file) => {
    const info = await stat(file);
    return `${file}:${info.size}:${info.mtimeMs}`;
  }));
  const key = createHash('sha256').update(`${DERIVED_VERSION}:${stamps.join('|')}:${what}`).digest('hex').slice(0, 12);
  return join(modelDir, 'user', `${modelName}-${modelStem(path)}-${key}`);
}

async function writeAtomically(target: string, model: OnnxModel): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  await writeFile(temporary, encodeOnnxModel(model));
  await rename(temporary, target);
}

/**
 * `path` with its attention fused (MultiHeadAttention), in `outDir` with its external data copied there; the
 * file itself when nothing in it could be fused.
 */
async function fusedCopy(path: string, outDir: string): Promise<string> {
  const target = join(outDir, `${modelStem(path)}.fused.onnx`);
  const unchanged = `${target}.unchanged`;
  if (existsSync(target)) return target;
  if (existsSync(unchanged)) return path;
  const { model, fused } = fuseAttention(await readOnnxModel(path));
  await mkdir(outDir, { recursive: true });
  if (!fused) {
    await writeFile(unchanged, '');
    return path;
  }
  await provideExternalData(model, path, outDir);
  await writeAtomically(target, model);
  return target;
}

/**
 * The block cache of a diffusion transformer at `branch`: every block but the first `branch` and the last `branch`
 * is cached, so branch 0 caches them all (the full graph returns the residual, the cached graph reuses it).
 */
async function blockCacheFiles(model: UserDitSource, path: string, branch: number, outDir: string): Promise<{ full: string; shallow: string }> {
  const full = join(outDir, `${modelStem(path)}.full-with-block-residual.onnx`);
  const shallow = join(outDir, `${modelStem(path)}.block-cached.onnx`);
  if (existsSync(full) && existsSync(shallow)) return { full, shallow };
  const streams = blockSpan(model, branch).filter((s): s is BlockSpanStream => s !== null);
  const source = await readOnnxModel(path);
  const graphs = blockCacheGraphs(source, streams);
  await mkdir(outDir, { recursive: true });
  await provideExternalData(source, path, outDir);
  await writeAtomically(full, graphs.full);
  await writeAtomically(shallow, graphs.cached);
  return { full, shallow };
}

/** The head, rest and cached-rest graphs of a run-time cache on the transformer at `path`, made once in `outDir`. */
async function runtimeCacheFiles(model: UserDitSource, path: string, method: RuntimeCacheConfig['method'], outDir: string): Promise<{ head: string; rest: string; cachedRest: string }> {
  const stem = modelStem(path);
  const files = { head: join(outDir, `${stem}.${method}-head.onnx`), rest: join(outDir, `${stem}.${method}-rest-with-residual.onnx`), cachedRest: join(outDir, `${stem}.${method}-rest-cached.onnx`) };
  if (Object.values(files).every((file) => existsSync(file))) return files;
  const source = await readOnnxModel(path);
  const streams = firstBlockStreams(model);
  // MagCache cuts where TeaCache does (around the whole block stack) and measures nothing from the head: the
  // stack's first input stands in as the head's measured output.
  const graphs =
    method === 'teacache'
      ? teaCacheGraphs(source, streams, teaCacheOf(model).modulatedInput)
      : method === 'mag-cache'
        ? teaCacheGraphs(source, streams, streams[0]!.input)
        : firstBlockCacheGraphs(source, streams);
  await mkdir(outDir, { recursive: true });
  await provideExternalData(source, path, outDir);
  await writeAtomically(files.head, graphs.head);
  await writeAtomically(files.rest, graphs.rest);
  await writeAtomically(files.cachedRest, graphs.cachedRest);
  return files;
}

/**
 * The graphs Pyramid Attention Broadcast runs on the transformer at `path` (fused attention): one per combination
 * of reused kinds the run's schedule uses, made once in `outDir`.
 */
async function attentionBroadcastFiles(model: UserDitSource, path: string, config: AttentionBroadcastConfig, keys: readonly string[], outDir: string): Promise<{ graphs: Record<string, string>; outputs: AttentionOutputs }> {
  const source = await readOnnxModel(path);
  const outputs = attentionOutputs(source, model.denoiser.inputs.sample.name);
  const scheduled = scheduledKinds(config);
  for (const kind of scheduled) {
    if (!outputs[kind].length) throw new HarnessError('bad-variant-parameter', `pab: ${kind}AttentionBlockSkipRange is set, but the transformer of ${model.name} has no ${kind} attention (found ${outputs.spatial.length} spatial, ${outputs.cross.length} cross)`);
  }
  const graphs: Record<string, string> = {};
  let externalProvided = false;
  for (const key of keys) {
    const target = join(outDir, `${modelStem(path)}.pab-${key || 'computing'}-${scheduled.join('+')}.onnx`);
    graphs[key] = target;
    if (existsSync(target)) continue;
    const graph = attentionBroadcastGraph(source, outputs, scheduled, key ? (key.split('+') as AttentionKind[]) : []);
    await mkdir(outDir, { recursive: true });
    if (!externalProvided) await provideExternalData(source, path, outDir);
    externalProvided = true;
    await writeAtomically(target, graph);
  }
  return { graphs, outputs };
}

/** The streams through the cached span of `branch` (blocks [branch, count − branch)); a stream the span's last block does not hand on is left out. */
export function blockSpan(model: UserDitSource, branch: number): (BlockSpanStream | null)[] {
  const { blocks } = model.denoiser.architecture;
  const branches = ditCacheBranches(model);
  if (!branches.includes(branch)) {
    throw new HarnessError('bad-variant-parameter', `cacheBranch ${branch}: model ${model.name} has ${blocks.count} blocks; a branch keeps that many blocks live at each end, accepted: ${branches.join(', ')}`);
  }
  return blocks.streams.map((stream) => {
    const start = branch === 0 ? blocks.input[stream] : blocks.outputs[branch - 1]![stream];
    const end = blocks.outputs[blocks.count - 1 - branch]![stream];
    return start && end ? { start, end, tokens: model.denoiser.tokens[stream as 'image' | 'text'] } : null;
  });
}

/** The streams through a diffusion transformer's blocks as a first-block cache cuts them: into, out of the first and out of the last block. */
export function firstBlockStreams(model: UserDitSource): BlockStream[] {
  const { blocks } = model.denoiser.architecture;
  if (blocks.count < 2) {
    throw new HarnessError('bad-variant-parameter', `first-block-cache: model ${model.name} has ${blocks.count} block; the cache needs a first block to measure and at least one more to reuse`);
  }
  return blocks.streams.flatMap((stream) => {
    const input = blocks.input[stream];
    const firstOutput = blocks.outputs[0]![stream];
    if (!input || !firstOutput) return [];
    return [{ input, firstOutput, lastOutput: blocks.outputs[blocks.count - 1]![stream] ?? null, tokens: model.denoiser.tokens[stream as 'image' | 'text'] }];
  });
}

/** The manifest's TeaCache measure, or the error naming what a manifest must give for it. */
export function teaCacheOf(model: UserDitSource): ManifestTeaCache {
  if (!model.denoiser.teaCache) {
    throw new HarnessError('bad-variant-parameter', `teacache: ${model.manifestPath} gives no denoiser.teaCache (the timestep-embedding tensor TeaCache measures and the polynomial coefficients that rescale its change)`);
  }
  return model.denoiser.teaCache;
}

/** The cache branches of a diffusion transformer: 0 up to the branch that leaves one block cached in the middle. */
export function ditCacheBranches(model: UserDitSource): number[] {
  return Array.from({ length: Math.floor((model.denoiser.architecture.blocks.count - 1) / 2) + 1 }, (_, i) => i);
}

/** The FME-chunked copy (`chunk`, named by `label`) of a denoiser file, beside it in the cache (external data copied there). */
async function chunkedCopy(path: string, outDir: string, label: string, chunk: (model: OnnxModel) => OnnxModel): Promise<string> {
  const target = join(outDir, `${modelStem(path)}.chunked-${label}.onnx`);
  if (existsSync(target)) return target;
  const model = await readOnnxModel(path);
  let chunked: OnnxModel;
  try {
    chunked = chunk(model);
  } catch (error) {
    // The chunker cannot know which of a model's graphs it was given.
    if (error instanceof HarnessError) throw new HarnessError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
  await mkdir(outDir, { recursive: true });
  await provideExternalData(model, path, outDir);
  await writeAtomically(target, chunked);
  return target;
}

/** A UNet chunked over batch×frames and spatial rows. */
function unetChunkedCopy(path: string, outDir: string, chunks: ChunkCounts, batchFrames: number): Promise<string> {
  return chunkedCopy(path, outDir, `${chunks.batchFrames}x${chunks.spatial}`, (model) => chunkGraph(model, chunks, batchFrames).model);
}

/**
 * A copy of `path` in `outDir` with its weights inside and optimised by ONNX Runtime, as built-in models are, so
 * timed session creation does not pay for graph optimisation; null when the weights are too large for one file.
 */
async function optimizedCopy(path: string, outDir: string, level: UserPipelineRequest['session']['graphOptimizationLevel']): Promise<string | null> {
  const target = join(outDir, `${modelStem(path)}.inline.onnx`);
  if (!existsSync(target)) {
    const model = await readOnnxModel(path);
    if (externalDataFiles(model).length) {
      if ((await externalDataBytes(model, dirname(path))) > INLINE_LIMIT_BYTES) return null;
      await inlineExternalData(model, path);
    }
    await writeAtomically(target, model);
  }
  return ensureOptimizedModel(target, level);
}

/**
 * Prepares the files of one variant of a user model: splits the UNet at the variant's cut point, rewrites it for
 * FME chunking, copies every graph into the model cache with its weights inlined and optimises it there (CPU; not
 * for weights over 1.8 GB), and counts each graph's work. Each derived file is made once and kept, keyed by its
 * source; nothing is written beside the user's own files.
 */
export async function prepareUserModels(request: UserPipelineRequest): Promise<UserModelFiles> {
  const { userModel: model, variant, modelDir } = request;
  const fuse = attentionFormFor(request.session, request.executionProvider) === 'fused';
  const deployed = async (path: string) => (fuse ? fusedCopy(path, await derivedDir(modelDir, model.name, path, 'fused attention')) : path);
  if (model.kind === 'text-to-video-dit') {
    // A built-in preset is rebuilt for the attention form this run needs (the provider may be settled only now).
    const dit = await withAttentionForm(modelDir, model, attentionFormFor(request.session, request.executionProvider));
    const transformer = await deployed(dit.denoiser.path);
    let unetDir: string | null = null;
    let cached: { full: string; shallow: string | null } | null = null;
    let denoiserHead: string | null = null;
    let broadcast: { graphs: Record<string, string>; outputs: AttentionOutputs } | null = null;
    if (variant.attentionBroadcast) {
      const config = variant.attentionBroadcast;
      const timesteps = createScheduler(request.scheduler, request.steps).timesteps;
      const keys = reusedKeys(attentionBroadcastSchedule(config, timesteps, ditCallOrder(ditCalls(dit))));
      unetDir = await derivedDir(modelDir, dit.name, transformer, 'pab');
      broadcast = await attentionBroadcastFiles(dit, transformer, config, keys, unetDir);
    } else if (variant.runtimeCache) {
      const { method } = variant.runtimeCache;
      unetDir = await derivedDir(modelDir, dit.name, transformer, method);
      const { head, rest, cachedRest } = await runtimeCacheFiles(dit, transformer, method, unetDir);
      cached = { full: rest, shallow: cachedRest };
      denoiserHead = head;
    } else if (variant.cache) {
      const branch = variant.cache.branch;
      unetDir = await derivedDir(modelDir, dit.name, transformer, `block cache ${branch}`);
      const { full, shallow } = await blockCacheFiles(dit, transformer, branch, unetDir);
      cached = { full, shallow: variant.cache.interval > 1 ? shallow : null };
    }
    // Only a sliced decode runs the per-frame graphs; everything else decodes all latent frames in one call.
    const causal = variant.sliceFrames !== null ? dit.vaeDecoder.causalFrames : null;
    if (variant.sliceFrames !== null && !causal) {
      throw new HarnessError('unsupported-model', `variant ${variant.name} slices the decode, but ${dit.manifestPath} gives no per-frame causal decoder graphs (vaeDecoder.causalFrames)`);
    }
    const graphs: DeployedGraphs = {
      conditionEncoder: await deployed(dit.textEncoder.path),
      vaeEncoder: null,
      unet: broadcast?.graphs['']! ?? cached?.full ?? transformer,
      unetShallow: cached?.shallow ?? null,
      denoiserHead,
      unetDir,
      ...(broadcast ? { attentionBroadcast: broadcast } : {}),
      vaeDecoder: await deployed(dit.vaeDecoder.path),
      causalDecoder: causal ? { firstFrame: await deployed(causal.firstFrame.path), nextFrame: await deployed(causal.nextFrame.path) } : null,
    };
    const ditRequest = { ...request, userModel: dit };
    if (!variant.chunks) return readyFiles(ditRequest, graphs);
    // The transformer graphs that run (plain, or full-with-residual and block-cached) are chunked over tokens.
    const chunks = variant.tokenChunks ?? Math.min(VARIANT_DEFAULTS.tokenChunks, dit.denoiser.tokens.image);
    const chunkDir = unetDir ?? (await derivedDir(modelDir, dit.name, transformer, 'plain'));
    const chunkTokens = (path: string) => chunkedCopy(path, chunkDir, `tokens-${chunks}`, (m) => chunkTokenGraph(m, ditTokenChunking(dit, chunks)).model);
    const full = await chunkTokens(graphs.unet);
    const shallow = graphs.unetShallow ? await chunkTokens(graphs.unetShallow) : null;
    // A run-time cache's head runs every step (first-block-cache: the first block's attention on every token), so
    // left whole it would set the peak the chunked rest avoids.
    // TeaCache's head is the embeddings alone, with no token rows worth slicing.
    const head = graphs.denoiserHead && variant.runtimeCache?.method === 'first-block-cache' ? await chunkTokens(graphs.denoiserHead) : undefined;
    return readyFiles(ditRequest, { ...graphs, unetDir: chunkDir }, { full, shallow, ...(head ? { head } : {}) });
  }
  const unet = await deployed(model.unet.path);
  let unetFull = unet;
  let unetShallow: string | null = null;
  let unetDir = await derivedDir(modelDir, model.name, unet, 'plain');
  if (variant.cache) {
    const branch = variant.cache.branch;
    const point = model.unet.cutPoints.find((p) => p.branch === branch);
    if (!point) {
      throw new HarnessError('bad-variant-parameter', `cacheBranch ${branch}: ${model.manifestPath} lists no cut point for it; listed: ${model.unet.cutPoints.map((p) => p.branch).join(', ') || 'none'}`);
    }
    unetDir = await derivedDir(modelDir, model.name, unet, `cut ${point.tensor.name}`);
    const { fullPath, shallowPath } = splitFilePaths(unet, unetDir);
    if (!existsSync(fullPath) || !existsSync(shallowPath)) await splitModelFile(unet, point.tensor.name, unetDir);
    unetFull = fullPath;
    unetShallow = variant.cache.interval > 1 ? shallowPath : null;
  }
  const conditionEncoder = await deployed(model.kind === 'text-to-video' ? model.textEncoder.path : model.imageEncoder.path);
  const vaeEncoder = model.kind === 'image-to-video' ? await deployed(model.vaeEncoder.path) : null;
  const vaeDecoder = await deployed(model.vaeDecoder.path);
  if (variant.chunks) {
    const batchFrames = unetBatch(model) * request.frames;
    const chunkedFull = await unetChunkedCopy(unetFull, unetDir, variant.chunks, batchFrames);
    const chunkedShallow = unetShallow ? await unetChunkedCopy(unetShallow, unetDir, variant.chunks, batchFrames) : null;
    return readyFiles(request, { conditionEncoder, vaeEncoder, unet: unetFull, unetShallow, denoiserHead: null, unetDir, vaeDecoder, causalDecoder: null }, { full: chunkedFull, shallow: chunkedShallow });
  }
  return readyFiles(request, { conditionEncoder, vaeEncoder, unet: unetFull, unetShallow, denoiserHead: null, unetDir: unetFull === unet ? null : unetDir, vaeDecoder, causalDecoder: null });
}

/** The deployed (fused, split) graphs of one variant, before counting and ahead-of-time optimisation. */
interface DeployedGraphs {
  conditionEncoder: string;
  vaeEncoder: string | null;
  unet: string;
  unetShallow: string | null;
  denoiserHead: string | null;
  /** Where the UNet's derived files live; null: beside the UNet's own cache entry. */
  unetDir: string | null;
  vaeDecoder: string;
  causalDecoder: { firstFrame: string; nextFrame: string } | null;
  /** Pyramid Attention Broadcast's graphs by reuse key ('' is also `unet`). */
  attentionBroadcast?: { graphs: Record<string, string>; outputs: AttentionOutputs };
}

/**
 * Counts each deployed graph's work (before chunking: chunking moves rows only) and copies every graph into the
 * model cache optimised by ONNX Runtime (CPU); `chunked` replaces the denoiser graphs that run.
 */
async function readyFiles(request: UserPipelineRequest, graphs: DeployedGraphs, chunked?: { full: string; shallow: string | null; head?: string }): Promise<UserModelFiles> {
  const { userModel: model, modelDir } = request;
  const none = { flops: 0, attentionNodes: { fused: 0, unfused: 0 } };
  const work = async (path: string | null) => (path ? countModelWork(path) : none);
  const [fullWork, shallowWork, headWork] = [await work(graphs.unet), await work(graphs.unetShallow), await work(graphs.denoiserHead)];
  const flops = {
    conditionEncoder: (await work(graphs.conditionEncoder)).flops,
    vaeEncoder: (await work(graphs.vaeEncoder)).flops,
    unetFull: fullWork.flops,
    unetShallow: shallowWork.flops,
    denoiserHead: headWork.flops,
    vaeDecoder: (await work(graphs.vaeDecoder)).flops,
    firstFrame: (await work(graphs.causalDecoder?.firstFrame ?? null)).flops,
    nextFrame: (await work(graphs.causalDecoder?.nextFrame ?? null)).flops,
  };
  const attention = attentionReport(request.session, request.executionProvider, {
    fused: fullWork.attentionNodes.fused + shallowWork.attentionNodes.fused + headWork.attentionNodes.fused,
    unfused: fullWork.attentionNodes.unfused + shallowWork.attentionNodes.unfused + headWork.attentionNodes.unfused,
  });
  const unetFull = chunked?.full ?? graphs.unet;
  const unetShallow = chunked ? chunked.shallow : graphs.unetShallow;
  const { conditionEncoder, vaeEncoder, vaeDecoder, causalDecoder } = graphs;
  const denoiserHead = chunked?.head ?? graphs.denoiserHead;
  const level = request.session.graphOptimizationLevel;
  let preOptimized = request.executionProvider === 'cpu' && level !== 'disabled';
  const ready = async (path: string, dir: string | null): Promise<string> => {
    if (!preOptimized) return path;
    const optimized = await optimizedCopy(path, dir ?? (await derivedDir(modelDir, model.name, path, 'inline')), level);
    if (!optimized) preOptimized = false;
    return optimized ?? path;
  };
  const { unetDir } = graphs;
  const broadcastFlops = async () => Object.fromEntries(await Promise.all(Object.entries(graphs.attentionBroadcast!.graphs).map(async ([key, path]) => [key, (await work(path)).flops] as const)));
  const broadcast = graphs.attentionBroadcast ? { flops: await broadcastFlops(), outputs: graphs.attentionBroadcast.outputs } : null;
  const broadcastGraphs = async (prepare: (path: string) => Promise<string>) =>
    broadcast ? { attentionBroadcast: { ...broadcast, graphs: Object.fromEntries(await Promise.all(Object.entries(graphs.attentionBroadcast!.graphs).map(async ([key, path]) => [key, await prepare(path)] as const))) } } : {};
  const files = {
    conditionEncoder: await ready(conditionEncoder, null),
    vaeEncoder: vaeEncoder ? await ready(vaeEncoder, null) : null,
    unetFull: await ready(unetFull, unetDir),
    unetShallow: unetShallow ? await ready(unetShallow, unetDir) : null,
    denoiserHead: denoiserHead ? await ready(denoiserHead, unetDir) : null,
    vaeDecoder: await ready(vaeDecoder, null),
    causalDecoder: causalDecoder ? { firstFrame: await ready(causalDecoder.firstFrame, null), nextFrame: await ready(causalDecoder.nextFrame, null) } : null,
  };
  // One file that could not be optimised ahead of time makes every session optimise at load, as they would.
  const readyBroadcast = await broadcastGraphs((path) => ready(path, unetDir));
  if (!preOptimized) return { conditionEncoder, vaeEncoder, unetFull, unetShallow, denoiserHead, vaeDecoder, causalDecoder, preOptimized, flops, attention, ...(await broadcastGraphs(async (path) => path)) };
  return { ...files, preOptimized, flops, attention, ...readyBroadcast };
}
