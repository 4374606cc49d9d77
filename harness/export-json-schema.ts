import { writeFile } from 'node:fs/promises';
import { RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText } from './results-json-schema.ts';
import { SUITE_JSON_SCHEMA_PATH, suiteJsonSchemaText } from './suite-config.ts';

// Regenerates schemas/results.schema.json and schemas/suite.schema.json from the zod schemas: `npx tsx harness/export-json-schema.ts`.
await writeFile(RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText(), 'utf8');
console.log(`wrote ${RESULTS_JSON_SCHEMA_PATH}`);
await writeFile(SUITE_JSON_SCHEMA_PATH, suiteJsonSchemaText(), 'utf8');
console.log(`wrote ${SUITE_JSON_SCHEMA_PATH}`);
