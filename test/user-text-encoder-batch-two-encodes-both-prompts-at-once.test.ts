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

// The same text encoder (embedding lookup and a projection) exported for one prompt and for the guided batch of
// two: the pipeline calls the first once per prompt and the second once with both; the videos must not differ, and
// neither may the encode stage's counted work (one call of the batch-two graph does the work of two of the other).
async function embeddingEncoder(batch: number): Promise<string> {
  const b = new GraphBuilder({ name: `text-encoder-x${batch}`, seed: 11 });
  const ids = b.input('input_ids', [batch, 77], 'int64');
  const table = b.weight('token_embedding', [1000, 32], { kind: 'normal', std: 0.5 });
  const embedded = b.op('Gather', [table, ids], [batch, 77, 32], { axis: 0 });
  const projection = b.weight('projection', [32, 32], { kind: 'normal', std: 0.2 });
  b.output(b.op('MatMul', [embedded, projection], [batch, 77, 32]), 'last_hidden_state');
  return writeBuiltModel(dir, `text-encoder-x${batch}.onnx`, b.build());
}

async function baselineRun(encoder: string) {
  const manifest = await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.file = encoder)));
  return runUser(userRequest(manifest, BASELINE, { steps: 2, prompt: 'waves on a rocky shore', negativePrompt: 'blurry', modelDir: join(dir, 'models') }));
}

describe('a text encoder exported for the guided batch', () => {
  it('gives the same video as one exported for a single prompt', async () => {
    const single = await baselineRun(await embeddingEncoder(1));
    const both = await baselineRun(await embeddingEncoder(2));
    expect(single.frames.length).toBe(4 * 3 * 32 * 32);
    expect(maxAbsDifference(single.frames, both.frames)).toBe(0);
    // Two prompts through a 77×32×32 projection, two flops per multiply-add.
    expect(single.flops.encode).toBe(2 * 2 * 77 * 32 * 32);
    expect(both.flops.encode).toBe(single.flops.encode);
  }, 60_000);
});
