import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { HarnessError } from './harness-error.ts';

/** Turns a prompt into exactly `length` token ids, as a diffusers pipeline calls its tokenizer. */
export interface PromptTokenizer {
  encode(prompt: string, length: number): number[];
}

/**
 * A Hugging Face tokenizer.json (with tokenizer_config.json beside it, for the padding token) as diffusers uses
 * CLIP's: special tokens added, truncated to `length` keeping the end token, padded with the padding token.
 */
export function loadPromptTokenizer(path: string): PromptTokenizer {
  if (!existsSync(path)) throw new HarnessError('model-not-found', `tokenizer file not found: ${path}`);
  let tokenizer: Tokenizer;
  let padToken: string | undefined;
  try {
    const configPath = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
    tokenizer = new Tokenizer(JSON.parse(readFileSync(path, 'utf8')), config);
    padToken = typeof config.pad_token === 'string' ? config.pad_token : typeof config.eos_token === 'string' ? config.eos_token : undefined;
  } catch (error) {
    throw new HarnessError('bad-tokenizer', `${path} is not a readable tokenizer.json: ${(error as Error).message}`);
  }
  const padId = padToken === undefined ? undefined : tokenizer.token_to_id(padToken);
  if (padId === undefined) throw new HarnessError('bad-tokenizer', `${path}: no padding token (tokenizer_config.json beside it names none, or its pad_token "${padToken}" is not in the vocabulary)`);
  return {
    encode(prompt, length) {
      const ids = tokenizer.encode(prompt).ids;
      // Truncation drops content, never the end token the post-processor appended.
      const kept = ids.length > length ? [...ids.slice(0, length - 1), ids[ids.length - 1]!] : ids;
      return [...kept, ...Array.from({ length: length - kept.length }, () => padId)];
    },
  };
}
