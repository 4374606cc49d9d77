#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the published bin needs no build step. The CLI runs in a child, so
// this process forwards the signals that stop it and waits: the CLI then stops its own children, removes its
// temporary files and exits, and nothing is left measuring after `lightbench` returned.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../harness/cli.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, ...process.argv.slice(2)], { stdio: 'inherit' });

const stop = (signal) => {
  // A Ctrl-C in a terminal reaches the CLI too (same process group); a second copy changes nothing.
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => stop(signal));

// Under npx (npm exec), a SIGTERM to npm ends npm and the shell it started this from, and never reaches this
// process: the parent's death is the only sign, and under npm it means the same.
if (process.env.npm_command) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('SIGTERM');
  }, 250).unref();
}

child.on('error', (error) => {
  process.stderr.write(`lightbench: could not start the CLI: ${error.message}\n`);
  process.exit(3);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
});
