// The command-line entry: the only place that calls process.exit. Each command lives in its own module,
// loaded on demand, and returns an exit code; a HarnessError prints its message and exits 2.
import { constants } from 'node:os';
import { HarnessError } from './harness-error.ts';
import { killTrackedChildren, removeTrackedTempPaths } from './process-registry.ts';

type CommandModule = { main(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  run: { summary: 'run a suite (or flags) and write results/<runId>.json', load: () => import('./command-run.ts') },
  report: { summary: 'build the static report site from results files', load: () => import('./command-report.ts') },
  compare: { summary: 'compare two runs and flag regressions (exit 1 on regression)', load: () => import('./command-compare.ts') },
  history: { summary: 'time series of each metric across commits, with step changes marked', load: () => import('./command-history.ts') },
  export: { summary: 'export results for github-action-benchmark, Bencher or CSV', load: () => import('./command-export.ts') },
  merge: { summary: 'join shard results into one run', load: () => import('./command-merge.ts') },
  models: { summary: 'inspect, split and build models', load: () => import('./command-models.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `usage: lightbench <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nlightbench <command> --help lists a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  // Own keys only: `lightbench toString` is an unknown command, not a function inherited from Object.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new HarnessError('bad-arguments', `unknown command "${name}"; accepted: ${Object.keys(COMMANDS).join(', ')}`);
  let module: CommandModule;
  try {
    module = await command.load();
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new HarnessError('not-available', `lightbench ${name} is not available in this build`);
    }
    throw error;
  }
  return module.main(rest);
}

// A stopped run leaves no child measuring on, no temporary files, and a results file that is complete up to the
// last finished variant (each write is atomic). The exit code is the shell's: 128 + the signal's number.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
  process.on(signal, () => {
    const killed = killTrackedChildren();
    removeTrackedTempPaths();
    process.stderr.write(`\nlightbench: stopped by ${signal}${killed ? ` (${killed} child process${killed === 1 ? '' : 'es'} killed)` : ''}\n`);
    process.exit(128 + constants.signals[signal]);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof HarnessError) {
      process.stderr.write(`lightbench: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`lightbench: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(3);
  },
);
