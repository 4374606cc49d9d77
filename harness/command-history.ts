import { formatHistoryMarkdown, formatHistoryTable, historySummary } from '../reports/format-history.ts';
import { buildHistory } from '../reports/history.ts';
import { loadRuns } from '../reports/load-runs.ts';
import { addToStore, readStore } from '../reports/results-store.ts';
import { formatOptionsHelp, parseCommandArguments, type OptionSpecs } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { assertOutputIsNotAnInput, writeReportFile } from './report-output-file.ts';
import { readResultsFile, type LoadedRun, type ResultsFileProblem } from './results-file.ts';

/** Options of `lightbench history`; exported so examples and tests can check the flags they use. */
export const HISTORY_OPTIONS: OptionSpecs = {
  results: { type: 'string', help: 'a flat folder of results files (default: results, unless --store is given)' },
  store: { type: 'string', help: 'a results store: one folder per machine fingerprint, each with machine.json' },
  add: { type: 'string', multiple: true, help: 'file this results file into --store first (repeatable)' },
  format: { type: 'string', help: 'report format', choices: ['table', 'markdown', 'json'], default: 'table' },
  out: { type: 'string', help: 'write the report to this file instead of stdout' },
  all: { type: 'boolean', help: 'table and markdown: list every series, not only those with step changes' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = `usage: lightbench history [--results DIR | --store DIR] [--add FILE...] [--format table|markdown|json]

Every metric of every (model, variant) over the runs, one series per machine and suite, with step
changes found by change-point detection (a single outlier is never one).`;

/** `lightbench history [--results DIR | --store DIR] [--format table|markdown|json] [--add FILE...]` */
export async function main(argv: string[]): Promise<number> {
  const { options, positionals } = parseCommandArguments('history', argv, HISTORY_OPTIONS, true);
  if (options.help) {
    process.stdout.write(`${USAGE}\n\noptions:\n${formatOptionsHelp(HISTORY_OPTIONS)}\n`);
    return 0;
  }
  // `--add a.json b.json` reads naturally; positionals after --add are further files to add.
  const adds = [...((options.add as string[] | undefined) ?? []), ...(options.add ? positionals : [])];
  if (!options.add && positionals.length > 0) throw new HarnessError('bad-arguments', `lightbench history: unexpected argument "${positionals[0]}"`);
  const store = options.store as string | undefined;
  const results = options.results as string | undefined;
  if (store && results) throw new HarnessError('bad-arguments', 'lightbench history: give --results or --store, not both');
  if (adds.length > 0 && !store) throw new HarnessError('bad-arguments', 'lightbench history: --add files runs into a store; give --store DIR');
  const out = options.out as string | undefined;
  // Checked before anything is filed into the store.
  if (out) await assertOutputIsNotAnInput('history', out, [...(store ? [store] : [results ?? 'results']), ...adds]);
  for (const file of adds) {
    const location = await addToStore(store!, await readResultsFile(file), file);
    process.stderr.write(`lightbench history: ${location.status === 'added' ? 'filed' : 'already filed'} ${file} as ${location.file}\n`);
  }
  let runs: LoadedRun[];
  let problems: ResultsFileProblem[];
  if (store) ({ runs, problems } = await readStore(store));
  else ({ runs, problems } = await loadRuns(results ?? 'results'));
  for (const p of problems) process.stderr.write(`lightbench history: skipped ${p.file}: ${p.error.message}\n`);
  const series = buildHistory(runs.map((r) => r.run));
  const all = options.all === true;
  const format = options.format as 'table' | 'markdown' | 'json';
  const report = format === 'json' ? `${JSON.stringify(series, null, 2)}\n` : format === 'markdown' ? formatHistoryMarkdown(series, { all }) : formatHistoryTable(series, { all });
  if (out) {
    await writeReportFile('history', out, report, [...(store ? [store] : [results ?? 'results']), ...adds]);
    process.stdout.write(`lightbench history: ${historySummary(series)} (report: ${out})\n`);
  } else {
    process.stdout.write(report);
  }
  return 0;
}
