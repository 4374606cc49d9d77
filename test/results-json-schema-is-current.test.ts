import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText } from '../harness/results-json-schema.ts';
import { SCHEMA_VERSION } from '../harness/results-schema.ts';

it('the committed JSON Schema equals a fresh export (regenerate: npx tsx harness/export-json-schema.ts)', async () => {
  const committed = await readFile(RESULTS_JSON_SCHEMA_PATH, 'utf8');
  expect(committed).toBe(resultsJsonSchemaText());
  const schema = JSON.parse(committed);
  expect(schema.properties.schemaVersion.const).toBe(SCHEMA_VERSION);
  expect(schema.additionalProperties).toBe(false);
  expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(['VariantOk', 'VariantError', 'StageStats', 'Fidelity']));
});
