import { stat } from 'node:fs/promises';
import { toBencherMetricFormat } from '../reports/export-bencher.ts';
import { toCsv } from '../reports/export-csv.ts';
import { toGithubActionBenchmark } from '../reports/export-github-action-benchmark.ts';
import { formatOptionsHelp, parseCommandArguments, type OptionSpecs } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { writeReportFile } from './report-output-file.ts';
import { readResultsFile } from './results-file.ts';

/** Options of `lightbench export`; exported so examples and tests can check the flags they use. */
export const EXPORT_OPTIONS: OptionSpecs = {
  format: {
    type: 'string',
    help: 'gab: github-action-benchmark customSmallerIsBetter JSON; bencher: Bencher Metric Format JSON; csv: one row per variant × stage × metric',
    choices: ['gab', 'bencher', 'csv'],
  },
  out: { type: 'string', help: 'write to this file instead of stdout' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** `lightbench export FILE --format gab|bencher|csv [--out FILE]` */
export async function main(argv: string[]): Promise<number> {
  const { options, positionals } = parseCommandArguments('export', argv, EXPORT_OPTIONS, true);
  if (options.help) {
    process.stdout.write(`usage: lightbench export FILE --format gab|bencher|csv [--out FILE]\n\noptions:\n${formatOptionsHelp(EXPORT_OPTIONS)}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new HarnessError('bad-arguments', `lightbench export: expected one results file, got ${positionals.length} argument(s)`);
  if (!options.format) throw new HarnessError('bad-arguments', 'lightbench export: --format is required; accepted: gab, bencher, csv');
  const file = positionals[0]!;
  if (await stat(file).then((s) => s.isDirectory(), () => false)) {
    throw new HarnessError('bad-arguments', `lightbench export: ${file} is a folder; export takes one results file (lightbench merge joins shards into one)`);
  }
  const run = await readResultsFile(file);
  const text =
    options.format === 'csv'
      ? toCsv(run)
      : `${JSON.stringify(options.format === 'gab' ? toGithubActionBenchmark(run) : toBencherMetricFormat(run), null, 2)}\n`;
  const out = options.out as string | undefined;
  if (out) {
    await writeReportFile('export', out, text, [file]);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
