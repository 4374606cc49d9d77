import { statSync, truncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { inspectModelFile } from '../harness/command-models.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { externalTensors, inlineExternalData } from '../pipelines/onnx/external-data.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { copyUserModel } from './fixtures/copy-user-model.ts';

const { onnx } = onnxProto;

// A download cut short leaves a .onnx.data file missing its last bytes. Read as they were, those bytes became zeros
// and the run reported success; now every reader names the file, the tensor and the byte counts.
describe('a truncated external data file', () => {
  const dir = copyUserModel('animatediff-tiny', 'lightbench-truncated-');
  const unet = join(dir, 'unet.onnx');
  const data = join(dir, 'unet.onnx.data');
  const size = statSync(data).size;
  truncateSync(data, size - 100);

  async function lastTensor() {
    const tensors = externalTensors(await readOnnxModel(unet), unet);
    const last = tensors.reduce((a, b) => (b.offset > a.offset ? b : a));
    expect(last.offset + last.length!).toBe(size);
    return last;
  }

  it('fails the manifest (models inspect and every run) naming file, tensor, expected and present bytes', async () => {
    const last = await lastTensor();
    const error = (await loadModelManifest(join(dir, 'manifest.json')).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('truncated-external-data');
    expect(error.message).toContain('unet:');
    expect(error.message).toContain(data);
    expect(error.message).toContain(`tensor "${last.name}"`);
    expect(error.message).toContain(`expected ${last.length} bytes at offset ${last.offset}`);
    expect(error.message).toContain(`the file is ${size - 100} bytes long, so only ${last.length! - 100} of them are there`);
  });

  it('fails models inspect of the ONNX file itself', async () => {
    // The expectation is read first: a rejection that comes before `rejects` is attached is an unhandled one.
    const expected = `expected ${(await lastTensor()).length} bytes`;
    await expect(inspectModelFile(unet)).rejects.toThrow(expected);
  });

  it('is never inlined with zeros in place of the missing bytes', async () => {
    const model = await readOnnxModel(unet);
    await expect(inlineExternalData(model, unet)).rejects.toMatchObject({ code: 'truncated-external-data' });
  });

  it('an intact file inlines to exactly its bytes', async () => {
    const intact = copyUserModel('animatediff-tiny', 'lightbench-intact-');
    const path = join(intact, 'unet.onnx');
    const model = await readOnnxModel(path);
    const tensors = externalTensors(model, path);
    await inlineExternalData(model, path);
    const bytes = await readFile(join(intact, 'unet.onnx.data'));
    for (const t of tensors) {
      const inlined = model.graph!.initializer!.find((i) => i.name === t.name)!;
      expect(inlined.dataLocation).toBe(onnx.TensorProto.DataLocation.DEFAULT);
      expect(Buffer.from(inlined.rawData!).equals(bytes.subarray(t.offset, t.offset + t.length!))).toBe(true);
    }
  });
});
