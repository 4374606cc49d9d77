import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-export.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { parseRfc4180, Rfc4180TableSchema } from '../reports/export-checkers.ts';
import { CSV_COLUMNS, toCsv } from '../reports/export-csv.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

const examples = JSON.parse(readFileSync(new URL('./fixtures/exports/rfc4180-examples.json', import.meta.url), 'utf8')) as {
  valid: { rule: string; text: string; records: string[][] }[];
  invalid: { rule: string; text: string }[];
};

it.each(examples.valid.map((e) => [e.rule, e] as const))('RFC 4180 example %s parses to its records', (_rule, e) => {
  const records = parseRfc4180(e.text);
  expect(records).toEqual(e.records);
  expect(Rfc4180TableSchema.safeParse(records).success).toBe(true);
});

it.each(examples.invalid.map((e) => [e.rule, e] as const))('text that breaks rule %s is refused', (_rule, e) => {
  expect(() => parseRfc4180(e.text)).toThrow(/not RFC 4180/);
});

it('`lightbench export --format csv` writes a header and one record per variant × stage × metric, quoting where needed', async () => {
  const run = makeExampleRun({ device: 'cuda' });
  const failed = run.variants.find((v) => v.status === 'error')!;
  if (failed.status !== 'error') throw new Error('expected an error result');
  failed.error.message = 'worker said "out of memory", then\nexited';
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-export-'));
  await writeResultsFile(join(dir, 'run.json'), run);
  expect(await main([join(dir, 'run.json'), '--format', 'csv', '--out', join(dir, 'run.csv')])).toBe(0);
  const text = await readFile(join(dir, 'run.csv'), 'utf8');
  expect(text).toBe(toCsv(run));
  const records = Rfc4180TableSchema.parse(parseRfc4180(text));
  expect(records[0]).toEqual([...CSV_COLUMNS]);
  const rows = records.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!])));
  // 9 ok variants with 5 time, 5 host-memory and 5 GPU-memory rows; 3 fidelity rows for each of the 7 that are not a baseline.
  expect(rows.filter((r) => r.status === 'ok')).toHaveLength(9 * 15 + 7 * 3);
  const error = rows.filter((r) => r.status === 'error');
  expect(error).toHaveLength(1);
  expect(error[0]!.note).toBe('child-killed: worker said "out of memory", then\nexited');
  const time = rows.find((r) => r.model === 'svd-tiny' && r.variant === 'deepcache' && r.stage === 'decode' && r.metric === 'time')!;
  const result = run.variants.find((v) => v.model === 'svd-tiny' && v.variant.name === 'deepcache')!;
  if (result.status !== 'ok') throw new Error('expected an ok result');
  expect(Number(time.value)).toBe(result.stages.decode.medianMs);
  expect(Number(time.n)).toBe(5);
  expect(Number(time.ci95_low)).toBe(result.stages.decode.ci95Ms[0]);
  expect(text.endsWith('\r\n')).toBe(true);
});
