import { spawn } from 'node:child_process';
import { signalChild, trackChild } from './process-registry.ts';

/** How one external command ended; a failure is a value, never an exception. */
export type CommandOutcome =
  | { status: 'ok'; stdout: string; stderr: string }
  | {
      status: 'failed';
      /** missing: not found; exited: non-zero exit or a signal; timed-out: passed the deadline and was killed. */
      kind: 'missing' | 'exited' | 'timed-out' | 'spawn-failed';
      /** One line for a message: what was run and how it ended, with the first line it printed to stderr. */
      reason: string;
      exitCode: number | null;
      signal: NodeJS.Signals | null;
      stdout: string;
      stderr: string;
    };

/** Options of `runWithDeadline`. */
export interface DeadlineOptions {
  timeoutMs: number;
  /** After SIGTERM at the deadline, how long before SIGKILL (default 1000 ms). */
  graceMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  maxOutputBytes?: number;
}

/**
 * Runs a short external command with a deadline that ends in SIGKILL. The command leads its own process group,
 * and the whole group is signalled, so a script that ignores SIGTERM (or a grandchild holding its output pipe)
 * cannot hold lightbench up.
 */
export function runWithDeadline(executable: string, args: readonly string[], options: DeadlineOptions): Promise<CommandOutcome> {
  const graceMs = options.graceMs ?? 1000;
  const maxBytes = options.maxOutputBytes ?? 16 * 2 ** 20;
  const shown = `${executable}${args[0] ? ` ${args[0]}` : ''}`;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(executable, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    trackChild(child, true);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < maxBytes) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < maxBytes) stderr += chunk;
    });
    let killTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      signalChild(child, 'SIGTERM', true);
      killTimer = setTimeout(() => signalChild(child, 'SIGKILL', true), graceMs);
    }, options.timeoutMs);
    const finish = (outcome: CommandOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(killTimer);
      // A grandchild may still hold the pipes; the group is gone or going, so stop reading.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(outcome);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT';
      finish({ status: 'failed', kind: missing ? 'missing' : 'spawn-failed', reason: missing ? `${executable} not found (ENOENT)` : `${executable} could not be started: ${error.message}`, exitCode: null, signal: null, stdout, stderr });
    });
    child.once('exit', (code, signal) => {
      // Output still in the pipes arrives before 'close'; give it a moment, but never wait on a held pipe.
      const settle = () => {
        if (timedOut) {
          signalChild(child, 'SIGKILL', true);
          return finish({ status: 'failed', kind: 'timed-out', reason: `${shown} did not finish within ${options.timeoutMs} ms and was killed`, exitCode: code, signal, stdout, stderr });
        }
        if (code === 0) return finish({ status: 'ok', stdout, stderr });
        const said = (stderr || stdout).trim().split('\n')[0] ?? '';
        finish({
          status: 'failed',
          kind: 'exited',
          reason: `${shown} failed (exit code ${code ?? 'none'}${signal ? `, signal ${signal}` : ''})${said ? `: ${said}` : ''}`,
          exitCode: code,
          signal,
          stdout,
          stderr,
        });
      };
      const wait = setTimeout(settle, 200);
      child.once('close', () => {
        clearTimeout(wait);
        settle();
      });
    });
  });
}
