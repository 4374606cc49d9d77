// The inputs diffusers' WanPipeline and EasyAnimatePipeline build around a diffusion transformer: prompt tokens
// with their attention mask, the encoder's states for [negative prompt, prompt], and latents scaled for the decoder.
import { HarnessError } from './harness-error.ts';
import type { ManifestDitLatent, UserDitSource } from './models/types.ts';
import type { ModelSession } from './ort-backend.ts';
import { readFloat } from './ort-backend.ts';
import { tokenize } from './tokenizer.ts';
import { typedTensor } from './user-conditioning.ts';

/** One prompt's token ids and attention mask, each `maxSequenceLength` long. */
export interface DitPromptTokens {
  ids: number[];
  mask: number[];
}

/**
 * Word-hash tokens for a manifest without a tokenizer, shaped as a T5 or Qwen tokenizer pads them: the prompt's
 * ids and an end token under mask 1, then id 0 under mask 0.
 */
export function ditPromptTokens(prompt: string, vocabSize: number, length: number): DitPromptTokens {
  const hashed = tokenize(prompt, vocabSize, length);
  const end = vocabSize - 1;
  // tokenize() starts with a begin token and pads with the end token; the first end token closes the prompt.
  const words = hashed.slice(1, hashed.indexOf(end) === -1 ? length : hashed.indexOf(end)).slice(0, length - 1);
  const ids = [...words, end];
  const mask = ids.map(() => 1);
  while (ids.length < length) {
    ids.push(0);
    mask.push(0);
  }
  return { ids, mask };
}

/**
 * The text encoder's states for each prompt, one call per prompt (the exported encoder takes batch 1), rows
 * [negative, prompt] as the guided batch takes them. Wan zeroes the states past each prompt's tokens.
 */
export async function encodeDitPrompts(encoder: ModelSession, model: UserDitSource, prompts: readonly DitPromptTokens[]): Promise<Float32Array> {
  const { inputs, outputs, maxSequenceLength: length, statesPastPrompt } = model.textEncoder;
  const rows: Float32Array[] = [];
  for (const { ids, mask } of prompts) {
    if (ids.length !== length || mask.length !== length) {
      throw new HarnessError('shape-mismatch', `prompt tokens: ${ids.length} ids and ${mask.length} mask values; model ${model.name} takes ${length} (textEncoder.maxSequenceLength)`);
    }
    const out = await encoder.run({
      [inputs.inputIds.name]: typedTensor(inputs.inputIds, ids, [1, length]),
      [inputs.attentionMask.name]: typedTensor(inputs.attentionMask, mask, [1, length]),
    });
    const states = Float32Array.from(await readFloat(out[outputs.hiddenStates.name]!));
    if (statesPastPrompt === 'zero') {
      const width = states.length / length;
      mask.forEach((m, position) => {
        if (m === 0) states.fill(0, position * width, (position + 1) * width);
      });
    }
    rows.push(states);
  }
  const joined = new Float32Array(rows.length * rows[0]!.length);
  rows.forEach((row, r) => joined.set(row, r * row.length));
  return joined;
}

/** Latents [channels, frames, h, w] as the pipeline hands them to the VAE: · std + mean per channel (Wan) or / scalingFactor (EasyAnimate). */
export function latentsForDecoder(latents: Float32Array, latent: ManifestDitLatent): Float32Array {
  const perChannel = latents.length / latent.channels;
  const { channelMean, channelStd, scalingFactor } = latent;
  return latents.map((v, i) => {
    const c = Math.floor(i / perChannel);
    if (channelMean && channelStd) return v * channelStd[c]! + channelMean[c]!;
    return v / (scalingFactor ?? 1);
  });
}
