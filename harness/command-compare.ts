import { compareRuns, DEFAULT_ALPHA, DEFAULT_THRESHOLDS, hasRegression } from '../reports/compare-runs.ts';
import { countsText } from '../reports/format-comparison-rows.ts';
import { formatComparisonMarkdown } from '../reports/format-comparison-markdown.ts';
import { formatComparisonTable } from '../reports/format-comparison-table.ts';
import { loadRuns } from '../reports/load-runs.ts';
import type { ChangeThresholds } from '../reports/types.ts';
import { formatOptionsHelp, numberOption, parseCommandArguments, type OptionSpecs } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { writeReportFile } from './report-output-file.ts';

/** Options of `lightbench compare`; exported so examples and tests can check the flags they use. */
export const COMPARE_OPTIONS: OptionSpecs = {
  format: { type: 'string', help: 'report format', choices: ['table', 'markdown', 'json'], default: 'table' },
  out: { type: 'string', help: 'write the report to this file (the summary line still goes to stdout)' },
  'time-threshold': { type: 'string', help: `smallest time change that counts, in percent (default ${DEFAULT_THRESHOLDS.timePct}, or the suite's)` },
  'memory-threshold': { type: 'string', help: `smallest memory-peak change that counts, in percent (default ${DEFAULT_THRESHOLDS.memoryPct}, or the suite's)` },
  'fidelity-threshold': { type: 'string', help: `smallest PSNR change that counts, in dB (default ${DEFAULT_THRESHOLDS.fidelityPsnrDb}, or the suite's)` },
  alpha: { type: 'string', help: `significance level of the Mann-Whitney test on time samples (default ${DEFAULT_ALPHA})` },
  all: { type: 'boolean', help: 'table format: also list unchanged rows' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = `usage: lightbench compare BASE HEAD [options]

BASE and HEAD are results files or folders of them; from a folder, each (model, variant) is taken
from the latest run that has it. Exit status: 1 when anything regressed, 0 otherwise, 2 on bad input.`;

/** `lightbench compare BASE HEAD [--format table|markdown|json] [--out FILE] [--time-threshold PCT] [--memory-threshold PCT] [--alpha A]` */
export async function main(argv: string[]): Promise<number> {
  const { options, positionals } = parseCommandArguments('compare', argv, COMPARE_OPTIONS, true);
  if (options.help) {
    process.stdout.write(`${USAGE}\n\noptions:\n${formatOptionsHelp(COMPARE_OPTIONS)}\n`);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new HarnessError('bad-arguments', `lightbench compare: expected BASE and HEAD (results files or folders), got ${positionals.length} argument(s)`);
  }
  const text = (name: string) => options[name] as string | undefined;
  const thresholds: Partial<ChangeThresholds> = {};
  const time = numberOption('compare', 'time-threshold', text('time-threshold'), Number.MIN_VALUE);
  const memory = numberOption('compare', 'memory-threshold', text('memory-threshold'), 0);
  const fidelity = numberOption('compare', 'fidelity-threshold', text('fidelity-threshold'), 0);
  if (time !== undefined) thresholds.timePct = time;
  if (memory !== undefined) thresholds.memoryPct = memory;
  if (fidelity !== undefined) thresholds.fidelityPsnrDb = fidelity;
  const alphaText = text('alpha');
  const alpha = numberOption('compare', 'alpha', alphaText, 0, 1);
  if (alpha !== undefined && (alpha <= 0 || alpha >= 1)) {
    throw new HarnessError('bad-arguments', `lightbench compare: --alpha "${alphaText}" is not accepted; expected a number strictly between 0 and 1`);
  }
  const [basePath, headPath] = positionals as [string, string];
  const [base, head] = await Promise.all([loadRuns(basePath), loadRuns(headPath)]);
  for (const problem of [...base.problems, ...head.problems]) process.stderr.write(`lightbench compare: skipped ${problem.file}: ${problem.error.message}\n`);
  const comparison = compareRuns(
    base.runs.map((r) => r.run),
    head.runs.map((r) => r.run),
    { thresholds, ...(alpha !== undefined ? { alpha } : {}) },
  );
  const format = options.format as 'table' | 'markdown' | 'json';
  const report =
    format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : format === 'markdown' ? formatComparisonMarkdown(comparison) : formatComparisonTable(comparison, { all: options.all === true });
  const out = text('out');
  if (out) {
    await writeReportFile('compare', out, report, [basePath, headPath]);
    process.stdout.write(`lightbench compare: ${countsText(comparison)} (report: ${out})\n`);
  } else {
    process.stdout.write(report);
  }
  return hasRegression(comparison) ? 1 : 0;
}
