import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fuseAttention } from '../pipelines/onnx/attention-fusion.ts';
import { countGraphWork } from '../pipelines/onnx/flop-counter.ts';
import { inlineExternalData } from '../pipelines/onnx/external-data.ts';
import { encodeOnnxModel, graphInputs, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { randomArray, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// Every graph of both exported diffusers pipelines, rewritten by the attention fusion pass: the scaled
// MatMul-Softmax-MatMul patterns torch's exporter writes (scale on Q and Kᵀ, the text encoder's causal mask and
// NaN guard, the VAE's symbolic-batch key transpose) become MultiHeadAttention, and the outputs stay within 1e-4
// (relative to the output's largest magnitude) of the graph as exported.
const GRAPHS = [
  { file: 'animatediff-tiny/text_encoder.onnx', attention: 2 },
  { file: 'animatediff-tiny/unet.onnx', attention: 54 },
  { file: 'animatediff-tiny/vae_decoder.onnx', attention: 1 },
  { file: 'svd-tiny/image_encoder.onnx', attention: 2 },
  { file: 'svd-tiny/unet.onnx', attention: 24 },
  { file: 'svd-tiny/vae_encoder.onnx', attention: 1 },
] as const;

const dir = await mkdtemp(join(tmpdir(), 'lightbench-fusion-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function feedsFor(inputs: ReturnType<typeof graphInputs>, seed: number): Record<string, Feed> {
  return Object.fromEntries(
    inputs.map((input, k) => {
      const dims = input.shape!.map((d) => (typeof d === 'number' ? d : 2));
      const count = dims.reduce((a, b) => a * b, 1);
      const data = input.elementType === 'int64' ? BigInt64Array.from({ length: count }, (_, i) => BigInt((i * 37 + seed) % 97)) : randomArray(seed + k, count);
      return [input.name, { data, dims }];
    }),
  );
}

describe('attention fusion of exported diffusers graphs', () => {
  for (const { file, attention } of GRAPHS) {
    it(`${file}: ${attention} attention pattern(s) fused, output within 1e-4`, async () => {
      const path = join(USER_MODELS_DIR, file);
      const model = await readOnnxModel(path);
      await inlineExternalData(model, path);
      const before = countGraphWork(model);
      const { model: fusedModel, fused, skipped } = fuseAttention(model);
      expect(skipped).toEqual([]);
      expect(fused).toBe(attention);
      const after = countGraphWork(fusedModel);
      expect(after.attentionNodes).toEqual({ fused: attention, unfused: 0 });
      expect(before.attentionNodes).toEqual({ fused: 0, unfused: attention });
      // A fused attention counts as the two products it replaces, where the file states the shapes.
      if (before.uncountedNodes === 0) expect(after.flops).toBe(before.flops);
      const stem = file.replace('/', '-');
      const plainPath = join(dir, `${stem}.plain.onnx`);
      const fusedPath = join(dir, `${stem}.fused.onnx`);
      await writeFile(plainPath, encodeOnnxModel(model));
      await writeFile(fusedPath, encodeOnnxModel(fusedModel));
      const feeds = feedsFor(graphInputs(model), 11);
      const expected = await runModelFile(plainPath, feeds);
      const actual = await runModelFile(fusedPath, feeds);
      for (const [name, values] of Object.entries(expected)) {
        let scale = 1e-6;
        let error = 0;
        for (let i = 0; i < values.length; i++) {
          scale = Math.max(scale, Math.abs(values[i]!));
          error = Math.max(error, Math.abs(values[i]! - actual[name]![i]!));
        }
        console.log(`${file} ${name}: max abs error ${error.toExponential(2)} (largest magnitude ${scale.toFixed(3)})`);
        expect(error / scale).toBeLessThanOrEqual(1e-4);
      }
    }, 60_000);
  }

  it('leaves a softmax that is not attention alone and says why', async () => {
    const model = await readOnnxModel(join(USER_MODELS_DIR, 'animatediff-tiny/text_encoder.onnx'));
    // Detach the probabilities' product with V: the pattern is no longer attention.
    const graph = model.graph!;
    const softmax = graph.node!.find((n) => n.opType === 'Softmax')!;
    const probs = softmax.output![0]!;
    graph.output!.push({ ...graph.output![0]!, name: probs, type: undefined });
    const { fused, skipped } = fuseAttention(model);
    expect(fused).toBe(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toMatch(/graph output/);
  });
});
