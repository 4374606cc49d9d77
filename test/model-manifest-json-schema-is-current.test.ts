import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { MODEL_MANIFEST_JSON_SCHEMA_PATH, modelManifestJsonSchemaText } from '../pipelines/models/model-manifest.ts';

it('the committed model manifest JSON Schema equals a fresh export (regenerate: npx tsx harness/export-json-schema.ts)', async () => {
  const committed = await readFile(MODEL_MANIFEST_JSON_SCHEMA_PATH, 'utf8');
  expect(committed).toBe(modelManifestJsonSchemaText());
  const schema = JSON.parse(committed);
  expect(schema.oneOf.map((branch: { properties: { kind: { const: string } } }) => branch.properties.kind.const)).toEqual(['text-to-video', 'image-to-video', 'text-to-video-dit']);
  expect(schema.oneOf[0].properties.unet.properties.sampleLayout.enum).toEqual(['BCFHW', 'BFCHW']);
});
