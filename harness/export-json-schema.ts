import { writeFile } from 'node:fs/promises';
import { RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText } from './results-json-schema.ts';

// Regenerates schemas/results.schema.json from the zod schema: `npx tsx harness/export-json-schema.ts`.
await writeFile(RESULTS_JSON_SCHEMA_PATH, resultsJsonSchemaText(), 'utf8');
console.log(`wrote ${RESULTS_JSON_SCHEMA_PATH}`);
