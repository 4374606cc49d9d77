// Writes a built-in DiT preset's transformer weights, as the graph builder draws them, where
// tools/reference/wan_transformer_reference.py loads them into diffusers' WanTransformer3DModel:
// <dir>/<preset>.weights.bin (float32, little-endian, one weight after another) and <dir>/<preset>.weights.json
// (the diffusers config, the seed, and each weight's name, shape and byte offset). Linear weights are [in, out] here.
//
//   npx tsx tools/reference/write-dit-weights.ts DIR [--preset dit-tiny] [--seed 20251006]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getDitPreset } from '../../pipelines/models/dit-presets.ts';
import { buildDitGraph } from '../../pipelines/models/dit.ts';
import { WEIGHT_SEED } from '../../pipelines/models/model-store.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { preset: { type: 'string', default: 'dit-tiny' }, seed: { type: 'string', default: String(WEIGHT_SEED) } } });
if (positionals.length !== 1) throw new Error('usage: write-dit-weights.ts DIR [--preset NAME] [--seed N]');
const dir = resolve(positionals[0]!);
const preset = getDitPreset(values.preset!);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
const graph = buildDitGraph(preset, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 1 }, seed);
const t = preset.transformer;
const weights: { name: string; shape: number[]; offset: number; length: number }[] = [];
const chunks: Uint8Array[] = [];
let offset = 0;
for (const { name, bytes } of graph.weights()) {
  weights.push({ name, shape: graph.weightShape(name)!, offset, length: bytes.byteLength });
  chunks.push(bytes);
  offset += bytes.byteLength;
}
const config = {
  patch_size: t.patch,
  num_attention_heads: t.heads,
  attention_head_dim: t.headDim,
  in_channels: preset.latentChannels,
  out_channels: preset.latentChannels,
  text_dim: t.textDim,
  freq_dim: t.freqDim,
  ffn_dim: t.ffnDim,
  num_layers: t.layers,
  cross_attn_norm: true,
  qk_norm: 'rms_norm_across_heads',
  eps: t.eps,
  rope_max_seq_len: t.ropeMaxSeqLen,
};
const shapes = { sample: [preset.latentChannels, preset.frames, preset.latentHeight, preset.latentWidth], textTokens: preset.textTokens };
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${preset.name}.weights.bin`), Buffer.concat(chunks));
writeFileSync(join(dir, `${preset.name}.weights.json`), JSON.stringify({ preset: preset.name, seed, config, shapes, weights }, null, 1));
console.log(`wrote ${weights.length} weights (${offset} bytes) of ${preset.name} to ${dir}`);
