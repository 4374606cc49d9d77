import { describe, expect, it } from 'vitest';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitTextEncoderGraph } from '../pipelines/models/dit-text-encoder.ts';
import { buildDitVaeDecoderGraph, ditPixelFrames } from '../pipelines/models/dit-vae-decoder.ts';
import { DIT_TEXT_IO, DIT_VAE_IO } from '../pipelines/models/types.ts';
import { maxAbs, maxAbsDiff, randomArray, runGraph } from './fixtures/run-built-graph.ts';

const preset = getDitPreset('dit-tiny');
const SEED = 11;

describe('built-in DiT text encoder and causal VAE (dit-tiny)', () => {
  it('text encoder: [1, L] ids and mask give [1, L, textDim] states, and padded keys do not reach the prompt', async () => {
    const length = preset.textTokens;
    const graph = buildDitTextEncoderGraph(preset, SEED);
    expect(graph.signature().outputs).toEqual([{ name: DIT_TEXT_IO.hidden, shape: [1, length, preset.transformer.textDim] }]);
    const run = async (ids: number[], mask: number[]) =>
      (await runGraph(graph, { [DIT_TEXT_IO.ids]: { data: BigInt64Array.from(ids, BigInt), dims: [1, length] }, [DIT_TEXT_IO.mask]: { data: BigInt64Array.from(mask, BigInt), dims: [1, length] } }))[DIT_TEXT_IO.hidden]!;
    const mask = [1, 1, 1, ...new Array(length - 3).fill(0)];
    const a = await run([5, 6, 7, ...new Array(length - 3).fill(0)], mask);
    const b = await run([5, 6, 7, ...new Array(length - 3).fill(9)], mask);
    expect(a.length).toBe(length * preset.transformer.textDim);
    expect(maxAbs(a)).toBeGreaterThan(0.1);
    const prompt = 3 * preset.transformer.textDim;
    // Different ids under mask 0 leave the prompt's states as they were; unmasked, they change them.
    expect(maxAbsDiff(a.subarray(0, prompt), b.subarray(0, prompt))).toBeLessThan(1e-5);
    const unmasked = await run([5, 6, 7, ...new Array(length - 3).fill(9)], new Array(length).fill(1));
    expect(maxAbsDiff(a.subarray(0, prompt), unmasked.subarray(0, prompt))).toBeGreaterThan(1e-3);
  });

  it('VAE: the whole-video graph decodes T latent frames to 1 + 4(T − 1) frames at 8× the size; the per-frame graphs state their caches', async () => {
    const { latentChannels: c, frames: t, latentHeight: h, latentWidth: w } = preset;
    const whole = buildDitVaeDecoderGraph(preset, 'whole-video', SEED);
    expect(whole.signature().outputs).toEqual([{ name: DIT_VAE_IO.sample, shape: [1, 3, ditPixelFrames(t), 8 * h, 8 * w] }]);
    const out = (await runGraph(whole, { [DIT_VAE_IO.latents]: { data: randomArray(1, c * t * h * w), dims: [1, c, t, h, w] } }))[DIT_VAE_IO.sample]!;
    expect(out.length).toBe(3 * 9 * 64 * 64);
    expect(maxAbs(out)).toBeGreaterThan(0.01);
    expect(maxAbs(out)).toBeLessThanOrEqual(1);
    const first = buildDitVaeDecoderGraph(preset, 'first-frame', SEED).signature();
    const next = buildDitVaeDecoderGraph(preset, 'next-frame', SEED).signature();
    expect(first.outputs.at(-1)).toEqual({ name: DIT_VAE_IO.sample, shape: [1, 3, 1, 8 * h, 8 * w] });
    expect(next.outputs.at(-1)).toEqual({ name: DIT_VAE_IO.sample, shape: [1, 3, 4, 8 * h, 8 * w] });
    const cacheIns = next.inputs.filter((i) => i.name.startsWith(DIT_VAE_IO.cacheIn));
    const cacheOuts = next.outputs.filter((o) => o.name.startsWith(DIT_VAE_IO.cacheOut));
    expect(cacheOuts.map((o) => o.shape)).toEqual(cacheIns.map((i) => i.shape));
    // The two temporal upsamplers have no cache after the first frame: their slots start as zeros.
    expect(first.outputs.length - 1).toBe(cacheIns.length - 2);
  });
});
