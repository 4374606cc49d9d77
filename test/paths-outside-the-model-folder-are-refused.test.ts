import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { inspectModelFile } from '../harness/command-models.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import { copyUserModel } from './fixtures/copy-user-model.ts';

const { onnx } = onnxProto;

/** Rewrites every external `location` of the ONNX file at `path`. */
function relocate(path: string, location: string): void {
  const model = onnx.ModelProto.decode(readFileSync(path));
  for (const tensor of model.graph!.initializer ?? []) {
    for (const entry of tensor.externalData ?? []) if (entry.key === 'location') entry.value = location;
  }
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
}

// A model or manifest from elsewhere may name any file on the machine; lightbench reads only inside the model's folder.
describe('paths that leave the model folder', () => {
  it('an external data location climbing out of the folder is refused by inspect, the manifest and split', async () => {
    const dir = copyUserModel('animatediff-tiny', 'lightbench-escape-');
    // The data really is there, one folder up: only the location's direction is wrong.
    copyFileSync(join(dir, 'text_encoder.onnx.data'), join(dirname(dir), 'text_encoder.onnx.data'));
    relocate(join(dir, 'text_encoder.onnx'), '../text_encoder.onnx.data');
    const expected = /keeps its data at "\.\.\/text_encoder\.onnx\.data", outside the model's folder .*; accepted: a file name relative to that folder, inside it/;
    await expect(inspectModelFile(join(dir, 'text_encoder.onnx'))).rejects.toThrow(expected);
    await expect(loadModelManifest(join(dir, 'manifest.json'))).rejects.toThrow(expected);
    relocate(join(dir, 'unet.onnx'), '../../etc/unet.onnx.data');
    await expect(splitModelFile(join(dir, 'unet.onnx'), 'add_149', join(dir, 'split'))).rejects.toMatchObject({ code: 'bad-onnx-file' });
  });

  it('an absolute external data location is refused', async () => {
    const dir = copyUserModel('animatediff-tiny', 'lightbench-absolute-');
    relocate(join(dir, 'vae_decoder.onnx'), join(dir, 'vae_decoder.onnx.data'));
    await expect(inspectModelFile(join(dir, 'vae_decoder.onnx'))).rejects.toThrow(`keeps its data at "${join(dir, 'vae_decoder.onnx.data')}", outside the model's folder`);
  });

  for (const [what, file] of [
    ['climbing out with ..', '../animatediff-tiny-elsewhere/unet.onnx'],
    ['absolute', '/tmp/unet.onnx'],
  ] as const) {
    it(`a manifest file path ${what} is refused naming the field and the folder`, async () => {
      const dir = copyUserModel('animatediff-tiny', 'lightbench-manifest-escape-');
      const elsewhere = join(dirname(dir), 'animatediff-tiny-elsewhere');
      mkdirSync(elsewhere);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      manifest.unet.file = file;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const error = (await loadModelManifest(join(dir, 'manifest.json')).catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe('bad-model-manifest');
      expect(error.message).toContain(`unet.file "${file}" leaves the manifest's folder ${dir}`);
    });
  }

  it('a tokenizer path climbing out is refused too', async () => {
    const dir = copyUserModel('animatediff-tiny', 'lightbench-tokenizer-escape-');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.textEncoder.tokenizer = '../tokenizer.json';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadModelManifest(join(dir, 'manifest.json'))).rejects.toThrow('textEncoder.tokenizer "../tokenizer.json" leaves the manifest\'s folder');
  });
});
