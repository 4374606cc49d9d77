import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RunResultSchema, SCHEMA_VERSION } from './results-schema.ts';

/** Where the committed JSON Schema of the results file lives. */
export const RESULTS_JSON_SCHEMA_PATH = fileURLToPath(new URL('../schemas/results.schema.json', import.meta.url));

/**
 * The results contract as JSON Schema (draft 2020-12), for tools outside TypeScript. Cross-field rules
 * (summaries agree with raw runs, unique variants) live only in the zod schema.
 */
export function resultsJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(RunResultSchema, { target: 'draft-2020-12', io: 'output' });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: `lightbench results file, schemaVersion ${SCHEMA_VERSION}`,
    description: 'One run of a suite: resolved configuration, machine context and a result per (model, variant).',
    ...rest,
  };
}

/** The exact text of the committed schema file. */
export function resultsJsonSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}
