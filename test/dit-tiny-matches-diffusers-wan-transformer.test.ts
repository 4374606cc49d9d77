import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { wanRotaryTables } from '../pipelines/models/dit-layers.ts';
import { buildDitGraph, ditTokenGrid } from '../pipelines/models/dit.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import type { AttentionForm } from '../pipelines/onnx/types.ts';
import { maxAbs, maxAbsDiff, runGraph } from './fixtures/run-built-graph.ts';

// diffusers' WanTransformer3DModel loaded with dit-tiny's weights as the graph builder draws them (strict
// load_state_dict: the same parameters, no more, no fewer), run on seeded inputs by
// tools/reference/wan_transformer_reference.py. Tolerance on noise_pred: 1e-5 relative to its largest magnitude (observed 1.6e-6)
// (both run float32; they differ in operator order, e.g. ORT's fused LayerNorm and attention kernels).
// Rotary tables: 1e-7 (both compute angles in float64 and round once).
interface Encoded {
  shape: number[];
  base64: string;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/wan-transformer-dit-tiny-reference.json', import.meta.url), 'utf8')) as {
  preset: string;
  weightSeed: number;
  config: Record<string, unknown>;
  inputs: Record<'hidden_states' | 'timestep' | 'encoder_hidden_states', Encoded>;
  outputs: { noise_pred: Encoded };
  rotary: { cos: Encoded; sin: Encoded };
};
const decode = (e: Encoded) => {
  const bytes = Buffer.from(e.base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const RELATIVE = 1e-5;
const tiny = getDitPreset('dit-tiny');

describe('dit-tiny transformer graph against diffusers WanTransformer3DModel on the same weights', () => {
  const expected = decode(reference.outputs.noise_pred);
  const feeds = Object.fromEntries(Object.entries(reference.inputs).map(([name, e]) => [name, { data: decode(e), dims: e.shape }]));

  it('the fixture was recorded for this preset and config', () => {
    const t = tiny.transformer;
    expect(reference.preset).toBe(tiny.name);
    expect(reference.config).toMatchObject({ num_attention_heads: t.heads, attention_head_dim: t.headDim, ffn_dim: t.ffnDim, num_layers: t.layers, text_dim: t.textDim, freq_dim: t.freqDim });
    expect(reference.outputs.noise_pred.shape).toEqual([2, tiny.latentChannels, tiny.frames, tiny.latentHeight, tiny.latentWidth]);
    // Two videos at different timesteps: each video's modulation must follow its own timestep.
    expect(new Set(decode(reference.inputs.timestep)).size).toBe(2);
  });

  for (const form of ['fused', 'unfused'] as AttentionForm[]) {
    it(`noise_pred matches within ${RELATIVE} relative (${form} attention)`, async () => {
      const graph = buildDitGraph(tiny, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 2, attention: form }, reference.weightSeed);
      const ours = (await runGraph(graph, feeds))[DIT_IO.noise]!;
      const difference = maxAbsDiff(ours, expected);
      console.log(`${form}: max |diffusers| ${maxAbs(expected).toFixed(4)}, max |ours − diffusers| ${difference.toExponential(2)}`);
      expect(difference).toBeLessThanOrEqual(RELATIVE * maxAbs(expected));
    });
  }

  it("rotary tables equal diffusers' WanRotaryPosEmbed for the token grid (angles per pair, frames/rows/columns split of the head)", () => {
    const tables = wanRotaryTables(tiny.transformer.headDim, ditTokenGrid(tiny), tiny.transformer.ropeMaxSeqLen);
    const headDim = tiny.transformer.headDim;
    const cos = decode(reference.rotary.cos);
    const sin = decode(reference.rotary.sin);
    expect(reference.rotary.cos.shape).toEqual([1, tables.tokens, 1, headDim]);
    // diffusers repeats each pair's value for both members of the pair; the rotation reads the even ones.
    const evens = (values: Float32Array) => values.filter((_, i) => i % 2 === 0);
    const odds = (values: Float32Array) => values.filter((_, i) => i % 2 === 1);
    expect(maxAbsDiff(evens(cos), tables.cos)).toBeLessThanOrEqual(1e-7);
    expect(maxAbsDiff(odds(sin), tables.sin)).toBeLessThanOrEqual(1e-7);
    // Not a constant table: positions along every axis turn some pair.
    expect(new Set(tables.cos).size).toBeGreaterThan(10);
  });
});
