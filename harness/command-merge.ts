import { loadRuns } from '../reports/load-runs.ts';
import { formatOptionsHelp, parseCommandArguments, type OptionSpecs } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { mergeShardRuns } from './merge-runs.ts';
import { writeResultsFile } from './results-file.ts';
import type { ShardInput } from './types.ts';

/** Options of `lightbench merge`; exported so examples and tests can check the flags they use. */
export const MERGE_OPTIONS: OptionSpecs = {
  out: { type: 'string', help: 'the merged results file to write (required)' },
  'allow-partial': { type: 'boolean', help: 'merge even when the shards lack some of the suite\'s pairs' },
  'run-id': { type: 'string', help: 'runId of the merged run (default: the earliest shard\'s runId + "-merged")' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const USAGE = `usage: lightbench merge SHARD... --out FILE [--allow-partial]

Each SHARD is a results file or a folder of them (e.g. the --out folder of \`lightbench run --shard i/n\`).
Shards must be of one suite (all but its shard), one commit and one machine type, and hold each
(model, variant) once; without --allow-partial they must hold them all.`;

/** `lightbench merge SHARD... --out FILE [--allow-partial] [--run-id ID]` */
export async function main(argv: string[]): Promise<number> {
  const { options, positionals } = parseCommandArguments('merge', argv, MERGE_OPTIONS, true);
  if (options.help) {
    process.stdout.write(`${USAGE}\n\noptions:\n${formatOptionsHelp(MERGE_OPTIONS)}\n`);
    return 0;
  }
  const out = options.out as string | undefined;
  if (!out) throw new HarnessError('bad-arguments', 'lightbench merge: --out FILE is required');
  if (positionals.length === 0) throw new HarnessError('bad-arguments', 'lightbench merge: expected at least one shard results file or folder');
  const inputs: ShardInput[] = [];
  for (const path of positionals) {
    const { runs, problems } = await loadRuns(path);
    for (const p of problems) process.stderr.write(`lightbench merge: skipped ${p.file}: ${p.error.message}\n`);
    inputs.push(...runs.map(({ run, file }) => ({ run, file })));
  }
  const runId = options['run-id'] as string | undefined;
  const { run, missingPairs } = mergeShardRuns(inputs, { allowPartial: options['allow-partial'] === true, outFile: out, ...(runId ? { runId } : {}) });
  await writeResultsFile(out, run);
  const missing = missingPairs.length > 0 ? `; missing ${missingPairs.map((p) => `${p.model} / ${p.variant}`).join(', ')}` : '';
  process.stdout.write(`merged ${inputs.length} shard run(s), ${run.variants.length} results, into ${out}${missing}\n`);
  return 0;
}
