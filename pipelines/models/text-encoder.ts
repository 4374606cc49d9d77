import { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, attention, layerNorm, linear, quickGelu } from '../onnx/ops.ts';
import type { AttentionForm } from '../onnx/types.ts';
import type { ModelPreset } from './types.ts';
import { TEXT_IO } from './types.ts';

/** Prompts per encoder call: the unconditional (negative) prompt and the prompt, for classifier-free guidance. */
export const TEXT_BATCH = 2;

/** CLIP-style text encoder: token + position embeddings, pre-norm causal transformer layers (quick GELU), final LayerNorm. */
export function buildTextEncoderGraph(preset: ModelPreset, seed: number, materialize = true, attentionForm: AttentionForm = 'fused'): GraphBuilder {
  const { vocabSize, contextLength: t, width, layers, heads } = preset.text;
  const b = new GraphBuilder({ name: `text-encoder-${preset.name}`, seed, materialize, attention: attentionForm });
  const ids = b.input(TEXT_IO.ids, [TEXT_BATCH, t], 'int64');
  const tokenTable = b.weight('embeddings.token_embedding.weight', [vocabSize, width], { kind: 'normal', std: 1 });
  const positionTable = b.weight('embeddings.position_embedding.weight', [t, width], { kind: 'normal', std: 0.1 });
  let x = add(b, b.op('Gather', [tokenTable, ids], [TEXT_BATCH, t, width], { axis: 0 }), positionTable);
  const causal = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) causal[i * t + j] = -1e9;
  const mask = b.constant(causal, [1, 1, t, t]);
  for (let i = 0; i < layers; i++) {
    x = b.scope(`encoder.layers.${i}`, () => {
      let h = add(b, x, attention(b, 'self_attn', layerNorm(b, 'layer_norm1', x), { heads, mask, qkvBias: true }));
      const mlp = linear(b, 'mlp.fc2', quickGelu(b, linear(b, 'mlp.fc1', layerNorm(b, 'layer_norm2', h), 4 * width)), width, { gain: 0.5 });
      h = add(b, h, mlp);
      return h;
    });
  }
  b.output(layerNorm(b, 'final_layer_norm', x), TEXT_IO.hidden);
  return b;
}
