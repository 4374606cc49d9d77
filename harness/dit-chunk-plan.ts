import { ditTokenChunking } from '../pipelines/dit-token-chunking.ts';
import type { UserDitSource } from '../pipelines/models/types.ts';
import { fuseAttention } from '../pipelines/onnx/attention-fusion.ts';
import { chunkTokenGraph } from '../pipelines/onnx/graph-chunker.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { VARIANT_DEFAULTS } from '../pipelines/variants.ts';

/**
 * What `fme` would make of a diffusion transformer at the default token chunk count, on the graph as it runs by
 * default (attention fused): its regions by the token rows they slice, and the nodes they cover.
 */
export async function ditChunkPlanText(model: UserDitSource): Promise<string> {
  const chunks = Math.min(VARIANT_DEFAULTS.tokenChunks, model.denoiser.tokens.image);
  try {
    const { model: fused } = fuseAttention(await readOnnxModel(model.denoiser.path));
    const { regions } = chunkTokenGraph(fused, ditTokenChunking(model, chunks));
    const rowCounts = [...new Set(regions.map((r) => r.rows))];
    const byRows = rowCounts.map((rows) => `${regions.filter((r) => r.rows === rows).length} over ${rows} token rows`);
    const covered = regions.reduce((sum, r) => sum + r.nodes, 0);
    return `FME token chunking (${chunks} slices, attention fused): ${byRows.join(', ')}; ${covered} of ${fused.graph!.node!.length} nodes chunked`;
  } catch (error) {
    return `FME token chunking: ${(error as Error).message}`;
  }
}
