import { writeFile } from 'node:fs/promises';
import { RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText } from './results-json-schema.ts';
import { SUITE_JSON_SCHEMA_PATH, suiteJsonSchemaText } from './suite-config.ts';
import { MODEL_MANIFEST_JSON_SCHEMA_PATH, modelManifestJsonSchemaText } from '../pipelines/models/model-manifest.ts';

// Regenerates schemas/results.schema.json, schemas/suite.schema.json and schemas/model-manifest.schema.json from the zod schemas: `npx tsx harness/export-json-schema.ts`.
await writeFile(RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText(), 'utf8');
console.log(`wrote ${RESULTS_JSON_SCHEMA_PATH}`);
await writeFile(SUITE_JSON_SCHEMA_PATH, suiteJsonSchemaText(), 'utf8');
console.log(`wrote ${SUITE_JSON_SCHEMA_PATH}`);
await writeFile(MODEL_MANIFEST_JSON_SCHEMA_PATH, modelManifestJsonSchemaText(), 'utf8');
console.log(`wrote ${MODEL_MANIFEST_JSON_SCHEMA_PATH}`);
