import { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, geluTanh, linear, mul, reshape, rmsNorm, scaledDotProductAttention } from '../onnx/ops.ts';
import type { AttentionForm, TensorRef } from '../onnx/types.ts';
import type { DitPreset } from './types.ts';
import { DIT_TEXT_IO } from './types.ts';

/** Additive key mask [1, 1, L, L] from an attention mask [1, L] of 1 (token) and 0 (padding): padded keys get −1e9. */
function paddedKeyMask(b: GraphBuilder, mask: TensorRef): TensorRef {
  const length = mask.shape[1]!;
  const ones = b.op('Cast', [mask], mask.shape, { to: 1 });
  const bias = mul(b, add(b, ones, b.scalar(-1)), b.scalar(1e9));
  // MultiHeadAttention takes its bias at the full [batch, heads, queries, keys] rank, not broadcast.
  return b.op('Expand', [reshape(b, bias, [1, 1, 1, length]), b.int64s([1, 1, length, length])], [1, 1, length, length]);
}

/**
 * A UMT5-like text encoder for the built-in DiT presets: token embedding, `layers` bidirectional pre-norm layers
 * (RMS norm, self-attention that masks padded keys, RMS norm, gated-GELU feed-forward), final RMS norm. Inputs
 * input_ids and attention_mask [1, L] (int64), output last_hidden_state [1, L, textDim].
 */
export function buildDitTextEncoderGraph(preset: DitPreset, seed: number, materialize = true, attentionForm: AttentionForm = 'fused'): GraphBuilder {
  const { vocabSize, layers, heads, ffnDim } = preset.text;
  const width = preset.transformer.textDim;
  const length = preset.textTokens;
  const eps = 1e-6;
  const b = new GraphBuilder({ name: `dit-text-encoder-${preset.name}`, seed, materialize, attention: attentionForm });
  const ids = b.input(DIT_TEXT_IO.ids, [1, length], 'int64');
  const mask = paddedKeyMask(b, b.input(DIT_TEXT_IO.mask, [1, length], 'int64'));
  const table = b.weight('shared.weight', [vocabSize, width], { kind: 'normal', std: 1 });
  let x = b.op('Gather', [table, ids], [1, length, width], { axis: 0 });
  for (let i = 0; i < layers; i++) {
    x = b.scope(`encoder.block.${i}`, () => {
      const normed = rmsNorm(b, 'layer.0.layer_norm', x, eps);
      const q = linear(b, 'layer.0.SelfAttention.q', normed, width, { bias: false });
      const k = linear(b, 'layer.0.SelfAttention.k', normed, width, { bias: false });
      const v = linear(b, 'layer.0.SelfAttention.v', normed, width, { bias: false });
      const attended = linear(b, 'layer.0.SelfAttention.o', scaledDotProductAttention(b, q, k, v, { heads, mask }), width, { bias: false, gain: 0.5 });
      const h = add(b, x, attended);
      const ffIn = rmsNorm(b, 'layer.1.layer_norm', h, eps);
      const gated = mul(b, geluTanh(b, linear(b, 'layer.1.DenseReluDense.wi_0', ffIn, ffnDim, { bias: false })), linear(b, 'layer.1.DenseReluDense.wi_1', ffIn, ffnDim, { bias: false }));
      return add(b, h, linear(b, 'layer.1.DenseReluDense.wo', gated, width, { bias: false, gain: 0.5 }));
    });
  }
  b.output(rmsNorm(b, 'encoder.final_layer_norm', x, eps), DIT_TEXT_IO.hidden);
  return b;
}
