import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { USER_MODELS_DIR, writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-manifest-missing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a component file that does not exist is an error naming the field, the file and where it was looked for', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.unet.file = 'unet-fp16.onnx';
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'HarnessError', code: 'model-not-found' });
  expect((error as Error).message).toContain('unet.file "unet-fp16.onnx" not found');
  expect((error as Error).message).toContain(join(dirname(path), 'unet-fp16.onnx'));
});

it('an external data file missing beside its graph is an error naming that file', async () => {
  copyFileSync(join(USER_MODELS_DIR, 'animatediff-tiny', 'text_encoder.onnx'), join(dir, 'text_encoder.onnx'));
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.textEncoder.file = join(dir, 'text_encoder.onnx');
  });
  const error = await loadModelManifest(path).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'model-not-found' });
  expect((error as Error).message).toContain('textEncoder: external data file "text_encoder.onnx.data"');
});

it('a manifest path that does not exist is an error naming it', async () => {
  const missing = join(dir, 'no-such-manifest.yaml');
  await expect(loadModelManifest(missing)).rejects.toThrow(`model manifest not found: ${missing}`);
});

it('a tokenizer file that does not exist is an error naming the field and where it was looked for', async () => {
  const path = writeManifestVariant('animatediff-tiny', dir, (m) => {
    m.textEncoder.tokenizer = 'tokenizer/tokenizer.json';
  });
  await expect(loadModelManifest(path)).rejects.toThrow(`textEncoder.tokenizer "tokenizer/tokenizer.json" not found (looked for ${join(dirname(path), 'tokenizer', 'tokenizer.json')})`);
});
