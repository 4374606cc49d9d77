import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from './harness-error.ts';
import { countModelWork } from './onnx/flop-counter.ts';
import { splitModelFile } from './onnx/graph-splitter.ts';
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

/**
 * Splits the user's UNet at the variant's cut point (once: the split graphs are kept in the model cache, keyed by
 * the file, its size and time, and the cut tensor) and counts each file's work. Nothing is written beside the
 * user's own files except links to their external data inside the cache.
 */
export async function prepareUserModels(request: UserPipelineRequest): Promise<UserModelFiles> {
  const { userModel: model, variant, modelDir } = request;
  if (variant.chunks) {
    throw new HarnessError('unsupported-variant', `variant ${variant.name}: FME chunking rewrites the built-in UNet graphs as they are built; it cannot chunk the exported graph of model ${model.name} (${model.unet.path}). Accepted for user models: baseline, deepcache, lightcache-swap, lightcache-slice`);
  }
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
