// A cached model file is reused only if it is the file that was written: a truncated or overwritten file would
// otherwise fail every later run with a protobuf error that names no way out.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readOnnxModel } from '../onnx/model-file.ts';

/** Above this size only the length is recorded and checked: hashing gigabytes of weights on every run costs more than it catches. */
const HASHED_MAX_BYTES = 1024 ** 3;

/** Says that a damaged cache file was found and is being rebuilt; the CLI shows it, tests may catch it. */
let notice: (message: string) => void = (message) => process.stderr.write(`lightbench: ${message}\n`);

/** Replaces where notices about rebuilt cache files go; returns the previous receiver. */
export function setCacheNotice(receiver: (message: string) => void): (message: string) => void {
  const previous = notice;
  notice = receiver;
  return previous;
}

async function fingerprint(path: string): Promise<string> {
  const { size } = await stat(path);
  if (size > HASHED_MAX_BYTES) return `${size} -`;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `${size} ${hash.digest('hex')}`;
}

const recordPath = (path: string) => `${path}.sha256`;

/** Writes the record of a cache file just written (its size and SHA-256), atomically. */
export async function recordCacheFile(path: string): Promise<void> {
  const temp = `${recordPath(path)}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(temp, `${await fingerprint(path)}\n`);
  await rename(temp, recordPath(path));
}

/**
 * True when `path` exists and may be reused. A file that differs from its record, or (written before records
 * were kept) does not parse, is deleted with a notice and false is returned, so the caller builds it again.
 */
export async function reusableCacheFile(path: string, kind: 'onnx' | 'json' | 'data'): Promise<boolean> {
  if (!existsSync(path)) return false;
  let problem: string | null = null;
  const recorded = await readFile(recordPath(path), 'utf8').catch(() => null);
  if (recorded !== null) {
    const actual = await fingerprint(path);
    if (actual !== recorded.trim()) problem = `its size and SHA-256 (${actual.slice(0, 30)}…) differ from those recorded when it was written (${recorded.trim().slice(0, 30)}…)`;
  } else {
    try {
      if (kind === 'onnx') await readOnnxModel(path);
      else if (kind === 'json') JSON.parse(await readFile(path, 'utf8'));
      await recordCacheFile(path);
    } catch (error) {
      problem = `it does not parse (${(error as Error).message.split('\n')[0]})`;
    }
  }
  if (problem === null) return true;
  notice(`model cache: ${path} is damaged: ${problem}; rebuilding it`);
  await rm(path, { force: true });
  await rm(recordPath(path), { force: true });
  return false;
}
