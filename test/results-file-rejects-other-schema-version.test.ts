import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { readResultsFile } from '../harness/results-file.ts';
import { SCHEMA_VERSION } from '../harness/results-schema.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function readWith(mutate: (data: Record<string, unknown>) => void): Promise<HarnessError> {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-results-'));
  const data = JSON.parse(JSON.stringify(makeExampleRun())) as Record<string, unknown>;
  mutate(data);
  const path = join(dir, 'old.json');
  await writeFile(path, JSON.stringify(data));
  return (await readResultsFile(path).catch((e: unknown) => e)) as HarnessError;
}

it('a file of another schema version is refused before its fields are checked', async () => {
  const error = await readWith((data) => {
    data.schemaVersion = SCHEMA_VERSION + 1;
    // A later version may well have renamed fields; those must not be what the user is told about.
    delete data.suite;
  });
  expect(error.code).toBe('schema-version');
  expect(error.message).toBe(
    `${join(dir, 'old.json')}: has schemaVersion ${SCHEMA_VERSION + 1}; this lightbench reads schemaVersion ${SCHEMA_VERSION}`,
  );
});

it('a file without schemaVersion says so', async () => {
  const error = await readWith((data) => {
    delete data.schemaVersion;
  });
  expect(error.code).toBe('schema-version');
  expect(error.message).toContain('has no schemaVersion');
  expect(error.message).toContain(`reads schemaVersion ${SCHEMA_VERSION}`);
});
