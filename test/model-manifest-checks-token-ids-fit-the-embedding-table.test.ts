import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { tokenEmbedding } from '../pipelines/onnx/token-embedding.ts';
import { USER_MODELS_DIR, writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-manifest-vocab-'));

// The tiny text encoder's table has 1000 rows. Ids past it used to pass inspect and fail inside ORT's Gather.
describe('prompt token ids against the text encoder embedding table', () => {
  it('finds the table through the exporter reshape', async () => {
    const model = await readOnnxModel(join(USER_MODELS_DIR, 'animatediff-tiny', 'text_encoder.onnx'));
    expect(tokenEmbedding(model, 'input_ids')).toEqual({ table: 'model.embeddings.token_embedding.weight', rows: 1000 });
  });

  it("neither tokenizer nor vocabSize: CLIP's default 49408 is refused, naming the table and what fits", async () => {
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
      delete m.textEncoder.vocabSize;
    });
    const error = (await loadModelManifest(path).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('vocabulary-mismatch');
    expect(error.message).toContain(`textEncoder.vocabSize is 49408 (the default, CLIP's), so prompt token ids reach 49407, but the embedding table "model.embeddings.token_embedding.weight" of text_encoder.onnx has 1000 rows`);
    expect(error.message).toContain('accepted: textEncoder.vocabSize 1000 (or less), or textEncoder.tokenizer');
  });

  it('a vocabSize one past the table is refused; the table size loads', async () => {
    await expect(loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.vocabSize = 1001)))).rejects.toThrow('textEncoder.vocabSize is 1001, so prompt token ids reach 1000');
    const model = await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.vocabSize = 1000)));
    expect(model.kind === 'text-to-video' && model.textEncoder.vocabSize).toBe(1000);
  });

  it('a tokenizer with ids past the table is refused naming its largest id', async () => {
    const tokenizerDir = mkdtempSync(join(tmpdir(), 'lightbench-big-tokenizer-'));
    const vocab = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`w${i}`, i]));
    writeFileSync(join(tokenizerDir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab, unk_token: 'w0' }, added_tokens: [{ id: 1200, content: '<end>' }] }));
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.tokenizer = join(tokenizerDir, 'tokenizer.json')));
    await expect(loadModelManifest(path)).rejects.toThrow('textEncoder.tokenizer tokenizer.json produces ids up to 1200, but the embedding table "model.embeddings.token_embedding.weight" of text_encoder.onnx has 1000 rows');
  });
});
