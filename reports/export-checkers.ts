import { z } from 'zod';

/*
 * The formats the exports' consumers document, written down as checkers so that tests hold both the
 * documentation's own examples and our output against the same rules (examples and sources in
 * test/fixtures/exports/README.md).
 */

/**
 * github-action-benchmark, `tool: customBiggerIsBetter | customSmallerIsBetter` (README, "Examples"):
 * "Every entry in the JSON file you provide only needs to provide `name`, `unit`, and `value`. You can
 * also provide optional `range` (results' variance) and `extra` (any additional information …)". The
 * action fails on a file without entries ("No benchmark result was found").
 */
export const GithubBenchmarkEntriesSchema = z
  .array(
    z.looseObject({
      name: z.string().min(1),
      unit: z.string(),
      value: z.number(),
      range: z.string().optional(),
      extra: z.string().optional(),
    }),
  )
  .min(1);

/**
 * Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format, JSON Schema
 * https://bencher.dev/bmf.json): an object whose every non-empty key (a Benchmark) maps to an object
 * whose every non-empty key (a Measure) maps to { value: number, lower_value?: number,
 * upper_value?: number }. Names: a Benchmark name at most 1024 characters, a Measure name or slug at
 * most 64 ("Order of Precedence").
 */
export const BencherMetricFormatSchema = z.record(
  z.string().min(1).max(1024),
  z.record(
    z.string().min(1).max(64),
    z.looseObject({ value: z.number(), lower_value: z.number().optional(), upper_value: z.number().optional() }),
  ),
);

/**
 * RFC 4180 section 2, rule 4: "Each line should contain the same number of fields throughout the file",
 * and a file has at least one record.
 */
export const Rfc4180TableSchema = z
  .array(z.array(z.string()).min(1))
  .min(1)
  .refine((rows) => rows.every((r) => r.length === rows[0]!.length), { message: 'each line should contain the same number of fields throughout the file' });

/**
 * Splits text into records and fields by the RFC 4180 grammar: records end in CRLF (the last one may
 * not); a field is either enclosed in double quotes, with inner quotes doubled and commas, CR and LF
 * allowed, or holds no double quote, comma, CR, LF or other control character. Non-ASCII text is
 * accepted, as the `charset` parameter of text/csv allows (section 3). Throws at the first violation.
 */
export function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\r\n').length;
    throw new Error(`not RFC 4180 CSV at character ${i} (record ${line}): ${what}`);
  };
  if (text.length === 0) fail('empty file');
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail('quoted field is not closed');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        const code = text.charCodeAt(i);
        if (text[i] === '"') fail('double quote in a field that is not enclosed in double quotes');
        if (code < 0x20 || code === 0x7f) fail(`control character 0x${code.toString(16)} outside a quoted field`);
        field += text[i++];
      }
    }
    record.push(field);
    if (i >= text.length) {
      records.push(record);
      return records;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r' && text[i + 1] === '\n') {
      i += 2;
      records.push(record);
      record = [];
      if (i >= text.length) return records;
      continue;
    }
    fail(text[i] === '\r' ? 'CR not followed by LF' : `unexpected ${JSON.stringify(text[i])} after a quoted field`);
  }
}
