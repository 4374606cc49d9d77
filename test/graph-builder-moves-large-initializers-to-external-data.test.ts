import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { attention, conv2d, groupNorm, linear, reshape, silu, transpose } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, randomArray, runModelFile, writeBuiltModel } from './fixtures/run-built-graph.ts';

const { onnx } = onnxProto;

/** A small network whose weights total ~30 KB: above a 1 KB threshold, far below the default one. */
function buildNet(externalDataThresholdBytes?: number): GraphBuilder {
  const b = new GraphBuilder({ name: 'external-net', seed: 77, externalDataThresholdBytes });
  const x = b.input('x', [2, 8, 6, 6]);
  let h = silu(b, groupNorm(b, 'norm', conv2d(b, 'conv', x, 16), 4));
  let tokens = transpose(b, reshape(b, h, [2, 16, 36]), [0, 2, 1]);
  tokens = attention(b, 'attn', tokens, { heads: 2 });
  tokens = linear(b, 'fc', tokens, 16);
  h = reshape(b, transpose(b, tokens, [0, 2, 1]), [2, 16, 6, 6]);
  b.output(conv2d(b, 'out', h, 4, { kernel: 1 }), 'y');
  return b;
}

const input = { x: { data: randomArray(5, 2 * 8 * 36), dims: [2, 8, 6, 6] } };

// Tolerance 0: the same weights and graph, loaded from a different place, must give bit-identical outputs.
describe('external initializer data', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-external-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stays embedded under the default threshold', () => {
    const built = buildNet().build();
    expect(built.externalData).toBeNull();
  });

  it('above the threshold writes every weight to a .onnx.data file that ORT loads, with the same outputs', async () => {
    const embedded = buildNet().build();
    const builder = buildNet(1024);
    const external = builder.build();
    expect(external.externalData).not.toBeNull();
    expect(external.externalData!.fileName).toBe('external-net.onnx.data');
    // The data file holds exactly the weights, back to back.
    const weightBytes = builder.weightNames().reduce((s, name) => s + builder.weightData(name)!.byteLength, 0);
    expect(external.externalData!.byteLength).toBe(weightBytes);
    expect(Buffer.concat(external.externalData!.chunks).byteLength).toBe(weightBytes);
    expect(external.parameterCount * 4).toBe(weightBytes);
    expect(external.modelBytes.byteLength).toBeLessThan(embedded.modelBytes.byteLength - weightBytes + 4096);

    const decoded = onnx.ModelProto.decode(external.modelBytes);
    const initializers = decoded.graph!.initializer!;
    const weightNames = new Set(builder.weightNames());
    for (const tensor of initializers) {
      const isWeight = weightNames.has(tensor.name!);
      expect(tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL, tensor.name!).toBe(isWeight);
      if (isWeight) {
        const entries = Object.fromEntries(tensor.externalData!.map((e) => [e.key, e.value]));
        expect(entries.location).toBe('external-net.onnx.data');
        const bytes = Buffer.concat(external.externalData!.chunks).subarray(Number(entries.offset), Number(entries.offset) + Number(entries.length));
        expect(Buffer.from(bytes).equals(Buffer.from(builder.weightData(tensor.name!)!.buffer)), tensor.name!).toBe(true);
      }
    }

    const embeddedPath = await writeBuiltModel(dir, 'embedded.onnx', embedded);
    const externalPath = await writeBuiltModel(dir, 'external-net.onnx', external);
    expect(existsSync(join(dir, 'external-net.onnx.data'))).toBe(true);
    expect((await stat(join(dir, 'external-net.onnx.data'))).size).toBe(weightBytes);
    const { y: fromEmbedded } = await runModelFile(embeddedPath, input);
    const { y: fromExternal } = await runModelFile(externalPath, input);
    const error = maxAbsDiff(fromExternal!, fromEmbedded!);
    console.log(`external vs embedded: max abs error ${error}`);
    expect(error).toBe(0);

    // ORT really reads the data file: zeroing a weight's bytes there changes the output.
    const dataPath = join(dir, 'external-net.onnx.data');
    const data = await readFile(dataPath);
    data.fill(0, 0, data.byteLength / 2);
    await writeFile(dataPath, data);
    const { y: fromZeroed } = await runModelFile(externalPath, input);
    expect(maxAbsDiff(fromZeroed!, fromEmbedded!)).toBeGreaterThan(1e-3);
  });

  it('names the data file after the argument to build()', () => {
    const built = buildNet(1024).build('custom-key.onnx.data');
    expect(built.externalData!.fileName).toBe('custom-key.onnx.data');
    const decoded = onnx.ModelProto.decode(built.modelBytes);
    const locations = new Set(
      decoded.graph!.initializer!.flatMap((t) => (t.externalData ?? []).filter((e) => e.key === 'location').map((e) => e.value)),
    );
    expect([...locations]).toEqual(['custom-key.onnx.data']);
  });
});
