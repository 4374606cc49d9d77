// What this process started and must not leave behind: child processes (killed with their process group where
// they have one) and temporary folders. The CLI's signal handler clears both before it exits, so a Ctrl-C or a
// SIGTERM from CI leaves no orphan measuring on and no frame files in TMPDIR.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

interface TrackedChild {
  child: ChildProcess;
  /** The child leads its own process group (spawned detached), so its descendants go with it. */
  group: boolean;
}

const children = new Set<TrackedChild>();
const tempDirs = new Set<string>();

/** Remembers `child` until it exits. */
export function trackChild(child: ChildProcess, group = false): ChildProcess {
  if (child.pid === undefined) return child;
  const entry = { child, group };
  children.add(entry);
  child.once('exit', () => children.delete(entry));
  return child;
}

/**
 * Sends `signal` to one child, or to its whole process group when it leads one (members can outlive the
 * leader, so the group is signalled even after the leader exited); one already gone is ignored.
 */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals, group = false): void {
  if (child.pid === undefined) return;
  if (!group && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already exited between the check and the kill.
  }
}

/** SIGKILLs every child still running: used on the way out, when there is no time to ask nicely. */
export function killTrackedChildren(): number {
  let killed = 0;
  for (const { child, group } of children) {
    if (child.exitCode === null && child.signalCode === null) killed++;
    signalChild(child, 'SIGKILL', group);
  }
  children.clear();
  return killed;
}

/** Remembers a temporary folder or file to remove if the process is stopped before it removes it itself. */
export function trackTempPath(path: string): string {
  tempDirs.add(path);
  return path;
}

/** Forgets a temporary path its owner removed (or renamed into place). */
export function untrackTempPath(path: string): void {
  tempDirs.delete(path);
}

/** Removes every tracked temporary path now (synchronously: this runs in a signal handler). */
export function removeTrackedTempPaths(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
