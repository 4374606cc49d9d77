import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { writeBuiltModel } from './fixtures/run-built-graph.ts';
import { maxAbsDifference } from './fixtures/run-tiny-variant.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-text-batch-'));

// The same embedding-lookup text encoder exported for one prompt and for the guided batch of two: the pipeline
// calls the first once per prompt and the second once with both, and the videos must not differ.
async function embeddingEncoder(batch: number): Promise<string> {
  const b = new GraphBuilder({ name: `text-encoder-x${batch}`, seed: 11 });
  const ids = b.input('input_ids', [batch, 77], 'int64');
  const table = b.weight('token_embedding', [1000, 32], { kind: 'normal', std: 0.5 });
  b.output(b.op('Gather', [table, ids], [batch, 77, 32], { axis: 0 }), 'last_hidden_state');
  return writeBuiltModel(dir, `text-encoder-x${batch}.onnx`, b.build());
}

async function baselineFrames(encoder: string): Promise<Float32Array> {
  const manifest = await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.file = encoder)));
  return (await runUser(userRequest(manifest, BASELINE, { steps: 2, prompt: 'waves on a rocky shore', negativePrompt: 'blurry', modelDir: join(dir, 'models') }))).frames;
}

describe('a text encoder exported for the guided batch', () => {
  it('gives the same video as one exported for a single prompt', async () => {
    const single = await baselineFrames(await embeddingEncoder(1));
    const both = await baselineFrames(await embeddingEncoder(2));
    expect(single.length).toBe(4 * 3 * 32 * 32);
    expect(maxAbsDifference(single, both)).toBe(0);
  }, 60_000);
});
