import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import { DIT_IO } from '../pipelines/models/types.ts';
import { countBy } from './fixtures/count-parameters.ts';

// Parameter counts and shapes of diffusers' WanTransformer3DModel with the Wan 2.1 T2V 1.3B config, built on the meta
// device by tools/reference/count_wan_transformer_params.py. The built graph must match exactly: same total, same
// count per top-level part and per part of a block, same shape per parameter (linear weights stored transposed).
const reference = JSON.parse(readFileSync(new URL('./fixtures/diffusers-wan-transformer-1.3b-param-counts.json', import.meta.url), 'utf8')) as {
  config: Record<string, unknown>;
  total: number;
  parts: Record<string, number>;
  conditionEmbedderParts: Record<string, number>;
  blockParts: Record<string, number>;
  parameterShapes: Record<string, number[]>;
};

const wan = getDitPreset('wan-1.3b');
// Weights declared, never drawn: 1.4 billion parameters are counted, not allocated.
const graph = buildDitGraph(wan, { mode: 'full', firstBlocks: 1, lastBlocks: 1, videos: 2 }, 1, false);


/** diffusers' top-level part of a parameter name, in its `blocks[i]` spelling. */
function topLevelPart(name: string): string {
  const parts = name.split('.');
  return parts[0] === 'blocks' ? `blocks[${parts[1]}]` : parts[0]!;
}

/** Drops parts that hold no parameters (rope, norm_out, activations): they have nothing to compare. */
const nonEmpty = (rows: Record<string, number>) => Object.fromEntries(Object.entries(rows).filter(([, n]) => n > 0));

describe('wan-1.3b transformer graph against diffusers WanTransformer3DModel (Wan 2.1 T2V 1.3B)', () => {
  it('has the config the fixture was counted with', () => {
    const t = wan.transformer;
    expect({
      patch_size: t.patch,
      num_attention_heads: t.heads,
      attention_head_dim: t.headDim,
      in_channels: wan.latentChannels,
      out_channels: wan.latentChannels,
      text_dim: t.textDim,
      freq_dim: t.freqDim,
      ffn_dim: t.ffnDim,
      num_layers: t.layers,
      eps: t.eps,
      rope_max_seq_len: t.ropeMaxSeqLen,
    }).toEqual(Object.fromEntries(Object.entries(reference.config).filter(([k]) => !['cross_attn_norm', 'qk_norm', 'image_dim', 'added_kv_proj_dim'].includes(k))));
    // The graph always builds the cross-attention norm and q/k RMSNorm over all heads, and no image branch.
    expect(reference.config).toMatchObject({ cross_attn_norm: true, qk_norm: 'rms_norm_across_heads', image_dim: null, added_kv_proj_dim: null });
  });

  it('total parameters equal diffusers exactly', () => {
    console.log(`wan-1.3b: ours ${graph.parameterCount()}, diffusers ${reference.total}`);
    expect(graph.parameterCount()).toBe(reference.total);
  });

  it('every top-level part (patch embedding, condition embedder, each of 30 blocks, proj_out, scale_shift_table) equals diffusers', () => {
    expect(countBy(graph, topLevelPart)).toEqual(nonEmpty(reference.parts));
    const conditionParts = countBy(graph, (n) => (n.startsWith('condition_embedder.') ? n.split('.')[1]! : null));
    expect(conditionParts).toEqual(nonEmpty(reference.conditionEmbedderParts));
    const blockParts = countBy(graph, (n) => (n.startsWith('blocks.0.') ? n.split('.')[2]! : null));
    expect(blockParts).toEqual(nonEmpty(reference.blockParts));
  });

  it("every parameter of the embeddings, block 0 and the output has diffusers' name and shape", () => {
    const ours = Object.fromEntries(
      graph
        .weightNames()
        .filter((n) => !n.startsWith('blocks.') || n.startsWith('blocks.0.'))
        .map((n) => {
          const shape = graph.weightShape(n)!;
          // Linear weights are [in, out] here, [out, in] in PyTorch.
          const linear = shape.length === 2 && n.endsWith('.weight');
          return [n, linear ? [shape[1]!, shape[0]!] : shape];
        }),
    );
    expect(ours).toEqual(reference.parameterShapes);
  });

  it('declares the 81-frame 480×832 video, 512 text tokens, and the token states the block cache passes', () => {
    expect(graph.signature()).toEqual({
      inputs: [
        { name: DIT_IO.sample, shape: [2, 16, 21, 60, 104] },
        { name: DIT_IO.timestep, shape: [2] },
        { name: DIT_IO.context, shape: [2, 512, 4096] },
      ],
      outputs: [{ name: DIT_IO.noise, shape: [2, 16, 21, 60, 104] }],
    });
    expect(ditTokenShape(wan, 2)).toEqual([2, 21 * 30 * 52, 1536]);
    // Self- and cross-attention of every block run fused.
    expect(graph.opTypes().filter((op) => op === 'MultiHeadAttention')).toHaveLength(60);
    expect(graph.opTypes()).not.toContain('Softmax');
  });
});
