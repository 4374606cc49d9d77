import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HarnessError } from './harness-error.ts';
import { chunkGraph } from './onnx/graph-chunker.ts';
import { countModelWork } from './onnx/flop-counter.ts';
import { encodeOnnxModel, readOnnxModel } from './onnx/model-file.ts';
import { provideExternalData, splitModelFile } from './onnx/graph-splitter.ts';
import type { ChunkCounts } from './models/types.ts';
import type { UserPipelineRequest } from './types.ts';

/** The files one variant of a user model runs, and the work of one call of each. */
export interface UserModelFiles {
  /** Text encoder (text-to-video) or image encoder (image-to-video). */
  conditionEncoder: string;
  /** Image-to-video only: the VAE encoder of the conditioning image. */
  vaeEncoder: string | null;
  /** The UNet as exported, or its full-with-cache graph when the variant caches. */
  unetFull: string;
  unetShallow: string | null;
  vaeDecoder: string;
  flops: { conditionEncoder: number; vaeEncoder: number; unetFull: number; unetShallow: number; vaeDecoder: number };
}

// Bumped when the splitter's output changes, so older split files are not reused.
const SPLIT_VERSION = 1;

async function fileKey(path: string, extra: string): Promise<string> {
  const info = await stat(path);
  return createHash('sha256').update(`${SPLIT_VERSION}:${path}:${info.size}:${info.mtimeMs}:${extra}`).digest('hex').slice(0, 12);
}

/** The FME-chunked copy of a UNet file in `outDir` (written once; external data linked beside it). */
async function chunkedCopy(path: string, outDir: string, chunks: ChunkCounts, batchFrames: number): Promise<string> {
  const target = join(outDir, `${basename(path).replace(/\.onnx$/i, '')}.chunked-${chunks.batchFrames}x${chunks.spatial}.onnx`);
  if (existsSync(target)) return target;
  const model = await readOnnxModel(path);
  await mkdir(outDir, { recursive: true });
  await provideExternalData(model, dirname(path), outDir);
  const temporary = `${target}.tmp-${process.pid}`;
  await writeFile(temporary, encodeOnnxModel(chunkGraph(model, chunks, batchFrames).model));
  await rename(temporary, target);
  return target;
}

/**
 * Splits the user's UNet at the variant's cut point and, for FME chunking, rewrites the graphs to run over row
 * slices (once: the files are kept in the model cache, keyed by the source file, its size and time, and the cut
 * tensor) and counts each file's work. Nothing is written beside the
 * user's own files except links to their external data inside the cache.
 */
export async function prepareUserModels(request: UserPipelineRequest): Promise<UserModelFiles> {
  const { userModel: model, variant, modelDir } = request;
  let unetFull = model.unet.path;
  let unetShallow: string | null = null;
  if (variant.cache) {
    const branch = variant.cache.branch;
    const point = model.unet.cutPoints.find((p) => p.branch === branch);
    if (!point) {
      throw new HarnessError('bad-variant-parameter', `cacheBranch ${branch}: ${model.manifestPath} lists no cut point for it; listed: ${model.unet.cutPoints.map((p) => p.branch).join(', ') || 'none'}`);
    }
    const outDir = join(modelDir, 'user', `${model.name}-${await fileKey(model.unet.path, point.tensor.name)}`);
    const stem = model.unet.path.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');
    const fullPath = join(outDir, `${stem}.full-with-cache.onnx`);
    const shallowPath = join(outDir, `${stem}.shallow.onnx`);
    if (!existsSync(fullPath) || !existsSync(shallowPath)) await splitModelFile(model.unet.path, point.tensor.name, outDir);
    unetFull = fullPath;
    unetShallow = variant.cache.interval > 1 ? shallowPath : null;
  }
  if (variant.chunks) {
    const batch = typeof model.unet.inputs.sample.shape?.[0] === 'number' ? model.unet.inputs.sample.shape[0] : 2;
    const outDir = join(modelDir, 'user', `${model.name}-${await fileKey(model.unet.path, 'chunked')}`);
    unetFull = await chunkedCopy(unetFull, outDir, variant.chunks, batch * request.frames);
    if (unetShallow) unetShallow = await chunkedCopy(unetShallow, outDir, variant.chunks, batch * request.frames);
  }
  const conditionEncoder = model.kind === 'text-to-video' ? model.textEncoder.path : model.imageEncoder.path;
  const vaeEncoder = model.kind === 'image-to-video' ? model.vaeEncoder.path : null;
  const work = async (path: string | null) => (path ? (await countModelWork(path)).flops : 0);
  return {
    conditionEncoder,
    vaeEncoder,
    unetFull,
    unetShallow,
    vaeDecoder: model.vaeDecoder.path,
    flops: {
      conditionEncoder: await work(conditionEncoder),
      vaeEncoder: await work(vaeEncoder),
      unetFull: await work(unetFull),
      unetShallow: await work(unetShallow),
      vaeDecoder: await work(model.vaeDecoder.path),
    },
  };
}
