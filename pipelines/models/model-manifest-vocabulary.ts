import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel } from '../onnx/model-file.ts';
import { tokenEmbedding } from '../onnx/token-embedding.ts';
import type { UserTextToVideoSource } from './types.ts';

/** The largest id a tokenizer.json can produce: its vocabulary's and its added tokens'. */
function largestTokenizerId(path: string): number | null {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { model?: { vocab?: Record<string, number> | [string, number][] }; added_tokens?: { id: number }[] };
    const vocab = json.model?.vocab;
    const ids = [
      ...(Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab ?? {})),
      ...(json.added_tokens ?? []).map((t) => t.id),
    ];
    return ids.length ? Math.max(...ids) : null;
  } catch {
    return null; // loadPromptTokenizer reports an unreadable file when the run starts
  }
}

/**
 * Every token id a prompt can become must index a row of the text encoder's embedding table: a larger id fails
 * only inside ONNX Runtime's Gather, mid-run, with no word about the manifest. Without a tokenizer the ids come
 * from a hash over `vocabSize`, so vocabSize must not exceed the table.
 */
export function checkTokenIdsFit(source: string, model: UserTextToVideoSource, graph: OnnxModel, vocabSizeStated: boolean): void {
  const text = model.textEncoder;
  const embedding = tokenEmbedding(graph, text.inputs.inputIds.name);
  if (!embedding) return;
  const file = basename(text.path);
  if (text.tokenizer) {
    const largest = largestTokenizerId(text.tokenizer);
    if (largest !== null && largest >= embedding.rows) {
      throw new HarnessError(
        'vocabulary-mismatch',
        `${source}: textEncoder.tokenizer ${basename(text.tokenizer)} produces ids up to ${largest}, but the embedding table "${embedding.table}" of ${file} has ${embedding.rows} rows (ids 0 to ${embedding.rows - 1}); accepted: the tokenizer saved with this text encoder`,
      );
    }
    return;
  }
  if (text.vocabSize > embedding.rows) {
    throw new HarnessError(
      'vocabulary-mismatch',
      `${source}: textEncoder.vocabSize is ${text.vocabSize}${vocabSizeStated ? '' : " (the default, CLIP's)"}, so prompt token ids reach ${text.vocabSize - 1}, but the embedding table "${embedding.table}" of ${file} has ${embedding.rows} rows; accepted: textEncoder.vocabSize ${embedding.rows} (or less), or textEncoder.tokenizer naming the pipeline's tokenizer.json`,
    );
  }
}
