import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { HarnessError } from './harness-error.ts';
import { trackTempPath, untrackTempPath } from './process-registry.ts';

const sameFile = async (a: string, b: string): Promise<boolean> => {
  const [sa, sb] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return !!sa && !!sb && sa.dev === sb.dev && sa.ino === sb.ino;
};

/**
 * Refuses an output file that is one of the command's inputs: a results file given by name (also through a
 * link), or a `.json` file inside a folder the command reads runs from. Writing a report there would replace
 * the user's measurements with CSV or Markdown.
 */
export async function assertOutputIsNotAnInput(command: string, out: string, inputs: readonly string[]): Promise<void> {
  const target = resolve(out);
  for (const input of inputs) {
    const source = resolve(input);
    const info = await stat(source).catch(() => null);
    const insideFolder = info?.isDirectory() === true && target.startsWith(source + sep) && target.endsWith('.json');
    if (target === source || insideFolder || (await sameFile(target, source))) {
      throw new HarnessError(
        'bad-arguments',
        `lightbench ${command}: --out ${out} is ${insideFolder ? `inside ${input}, which this command reads results from` : `the input ${input}`}; writing there would replace results with the report; choose another file`,
      );
    }
  }
}

/** Writes a report file atomically (temp file and rename), after checking it is not one of the inputs. */
export async function writeReportFile(command: string, out: string, text: string, inputs: readonly string[]): Promise<void> {
  await assertOutputIsNotAnInput(command, out, inputs);
  const target = resolve(out);
  await mkdir(dirname(target), { recursive: true });
  const temp = trackTempPath(join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`));
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new HarnessError('output-write', `lightbench ${command}: could not write ${out}: ${(error as Error).message}`, { cause: error });
  } finally {
    untrackTempPath(temp);
  }
}
