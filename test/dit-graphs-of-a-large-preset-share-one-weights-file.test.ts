import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { ditTokenShape } from '../pipelines/models/dit.ts';
import { ditModelKey, ensureDitModel } from '../pipelines/models/model-store.ts';
import type { DitGraphMode } from '../pipelines/models/types.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import { maxAbsDiff, randomArray, runModelFile } from './fixtures/run-built-graph.ts';

// wan-1.3b's transformer weights (5.7 GB) are drawn once into one file that its whole, head, middle and tail graphs
// point into. The same path is taken here on dit-tiny by lowering the size above which weights leave the model file.
const tiny = getDitPreset('dit-tiny');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('transformer graphs above the external-data size', () => {
  it('point into one shared weights file, and the pieces chain into what the self-contained whole graph computes', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'lightbench-dit-shared-'));
    const embedded = await mkdtemp(join(tmpdir(), 'lightbench-dit-embedded-'));
    dirs.push(shared, embedded);
    const spec = (mode: DitGraphMode) => ({ mode, firstBlocks: 1, lastBlocks: 1, videos: 2 });
    const small = { externalDataThresholdBytes: 1024 };
    const paths: Record<string, string> = {};
    for (const mode of ['full', 'head', 'middle', 'tail'] as const) paths[mode] = await ensureDitModel(shared, tiny, spec(mode), small);
    const dataFiles = readdirSync(shared).filter((f) => f.endsWith('.data'));
    expect(dataFiles).toHaveLength(1);
    // dit-tiny's 66 k weights (265 kB) live in the data file alone.
    expect(statSync(join(shared, dataFiles[0]!)).size).toBe(264_576);
    const embeddedFull = await ensureDitModel(embedded, tiny, spec('full'));
    expect(statSync(embeddedFull).size - statSync(paths.full!).size).toBeGreaterThan(250_000);
    // A second request finds the file, and the whole graph's key ignores the split it does not use.
    expect(await ensureDitModel(shared, tiny, spec('full'), small)).toBe(paths.full);
    expect(ditModelKey(tiny, { ...spec('full'), firstBlocks: 2 })).toBe(ditModelKey(tiny, spec('full')));
    expect(ditModelKey(tiny, { ...spec('head'), firstBlocks: 2 })).not.toBe(ditModelKey(tiny, spec('head')));

    const sampleDims = [2, tiny.latentChannels, tiny.frames, tiny.latentHeight, tiny.latentWidth];
    const feeds = {
      [DIT_IO.sample]: { data: randomArray(3, sampleDims.reduce((a, b) => a * b, 1)), dims: sampleDims },
      [DIT_IO.timestep]: { data: Float32Array.of(500, 500), dims: [2] },
      [DIT_IO.context]: { data: randomArray(4, 2 * tiny.textTokens * tiny.transformer.textDim), dims: [2, tiny.textTokens, tiny.transformer.textDim] },
    };
    const reference = (await runModelFile(embeddedFull, feeds))[DIT_IO.noise]!;
    expect(maxAbsDiff((await runModelFile(paths.full!, feeds))[DIT_IO.noise]!, reference)).toBe(0);
    const dim = tiny.transformer.heads * tiny.transformer.headDim;
    const head = await runModelFile(paths.head!, feeds);
    const carried = {
      [DIT_IO.textTokens]: { data: head[DIT_IO.textTokens]!, dims: [2, tiny.textTokens, dim] },
      [DIT_IO.modulation]: { data: head[DIT_IO.modulation]!, dims: [2, 6, dim] },
    };
    const middle = await runModelFile(paths.middle!, { [DIT_IO.headTokens]: { data: head[DIT_IO.headTokens]!, dims: ditTokenShape(tiny, 2) }, ...carried });
    const tail = await runModelFile(paths.tail!, {
      [DIT_IO.middleTokens]: { data: middle[DIT_IO.middleTokens]!, dims: ditTokenShape(tiny, 2) },
      ...carried,
      [DIT_IO.timeEmbedding]: { data: head[DIT_IO.timeEmbedding]!, dims: [2, dim] },
    });
    expect(maxAbsDiff(tail[DIT_IO.noise]!, reference)).toBeLessThanOrEqual(1e-5);
  });
});
