import { readdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureModel } from '../pipelines/models/model-store.ts';
import { getPreset } from '../pipelines/models/presets.ts';
import { cacheFeatureShape } from '../pipelines/models/unet.ts';
import { maxAbsDiff, randomArray, runModelFile } from './fixtures/run-built-graph.ts';

// sd15's UNet weights (5.25 GB) are drawn once into one file that all its graphs point into. The same path is
// taken here on tiny by lowering the size above which weights leave the model file.
describe('UNet graphs above the external-data size', () => {
  it('point into one shared weights file and compute what the self-contained graphs compute', async () => {
    const tiny = getPreset('tiny');
    const shared = await mkdtemp(join(tmpdir(), 'lightbench-shared-'));
    const embedded = await mkdtemp(join(tmpdir(), 'lightbench-embedded-'));
    const spec = (mode: 'full-with-cache' | 'shallow', chunks: { batchFrames: number; spatial: number } | null = null) =>
      ({ component: 'unet', mode, cacheBranch: 1, chunks, frames: tiny.frames, videos: 2 }) as const;
    const small = { externalDataThresholdBytes: 1024 };
    const sharedFull = await ensureModel(shared, tiny, spec('full-with-cache'), small);
    const sharedShallow = await ensureModel(shared, tiny, spec('shallow'), small);
    const sharedChunked = await ensureModel(shared, tiny, spec('full-with-cache', { batchFrames: 3, spatial: 2 }), small);
    const dataFiles = readdirSync(shared).filter((f) => f.endsWith('.data'));
    expect(dataFiles).toHaveLength(1);
    // The shared model files hold graphs only: the full graph's 0.8 M weights (3.2 MB) are in the data file alone.
    const embeddedFull = await ensureModel(embedded, tiny, spec('full-with-cache'));
    expect(statSync(embeddedFull).size - statSync(sharedFull).size).toBeGreaterThan(3_000_000);
    expect(statSync(join(shared, dataFiles[0]!)).size).toBeGreaterThan(3_000_000);

    const n = 2 * tiny.frames;
    const feeds = {
      sample: { data: randomArray(3, n * 4 * 8 * 8), dims: [n, 4, 8, 8] },
      timestep: { data: new Float32Array([601]), dims: [1] },
      encoder_hidden_states: { data: randomArray(4, n * 16 * 32), dims: [n, 16, 32] },
    };
    const reference = await runModelFile(embeddedFull, feeds);
    const full = await runModelFile(sharedFull, feeds);
    expect(maxAbsDiff(full.noise_pred!, reference.noise_pred!)).toBe(0);
    const chunked = await runModelFile(sharedChunked, feeds);
    expect(maxAbsDiff(chunked.noise_pred!, reference.noise_pred!)).toBeLessThan(5e-5);
    const shape = cacheFeatureShape(tiny, { cacheBranch: 1, frames: tiny.frames, videos: 2 });
    const shallowFeeds = { ...feeds, cache_feature: { data: full.cache_feature!, dims: shape } };
    const shallow = await runModelFile(sharedShallow, shallowFeeds);
    const shallowReference = await runModelFile(await ensureModel(embedded, tiny, spec('shallow')), shallowFeeds);
    expect(maxAbsDiff(shallow.noise_pred!, shallowReference.noise_pred!)).toBe(0);
  });
});
