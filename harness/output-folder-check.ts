import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarnessError } from './harness-error.ts';

/** Bytes written and removed again to prove a folder takes files (a full disk fails here, not after measuring). */
const PROBE_BYTES = 256 * 1024;

/**
 * Makes sure `path` is a folder that takes new files, creating it (and missing parents, one at a time) if
 * needed, before anything is measured. A file in the way, a folder without write permission, a pseudo file
 * system such as /proc, or a full disk is a HarnessError naming the flag, the path and the reason.
 */
export async function assertWritableFolder(flag: string, path: string): Promise<string> {
  const folder = resolve(path);
  const refuse = (why: string): never => {
    throw new HarnessError('bad-arguments', `${flag} ${folder}: ${why}; give a folder that can hold new files`);
  };
  const missing: string[] = [];
  let existing = folder;
  for (;;) {
    // ENOTDIR: a file stands somewhere above; walking up finds it and names it.
    const info = await stat(existing).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? null : refuse(`cannot look at ${existing} (${error.code ?? error.message})`)));
    if (info) {
      if (!info.isDirectory()) refuse(existing === folder ? 'exists and is not a folder' : `${existing} is a file, not a folder`);
      break;
    }
    missing.unshift(existing);
    if (dirname(existing) === existing) break;
    existing = dirname(existing);
  }
  // One level at a time: a recursive mkdir spins for ever on some pseudo file systems (/proc) instead of failing.
  for (const dir of missing) {
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') refuse(`cannot create ${dir} (${error.code ?? error.message})`);
    });
  }
  const probe = join(folder, `.lightbench-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(probe, 'wx');
    try {
      await handle.writeFile(Buffer.alloc(PROBE_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    refuse(code === 'ENOSPC' ? 'no space left on its disk' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `not writable (${code})` : `cannot write a file there (${code ?? (error as Error).message})`);
  } finally {
    await rm(probe, { force: true });
  }
  return folder;
}
