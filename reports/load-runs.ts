import { stat } from 'node:fs/promises';
import { HarnessError } from '../harness/harness-error.ts';
import { readResultsDir, readResultsFile, type LoadedRun, type ResultsFileProblem } from '../harness/results-file.ts';

/**
 * Reads one results file, or every results file of a folder (not recursively). Unusable files in a
 * folder are returned as problems for the caller to report; a folder without one usable run is an error.
 */
export async function loadRuns(path: string): Promise<{ runs: LoadedRun[]; problems: ResultsFileProblem[] }> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new HarnessError('results-read', `${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  if (!isDirectory) return { runs: [{ file: path, run: await readResultsFile(path) }], problems: [] };
  const { runs, errors } = await readResultsDir(path);
  if (runs.length === 0) {
    const why = errors.length > 0 ? `; ${errors.length} file(s) could not be used:\n${errors.map((e) => e.error.message).join('\n')}` : '';
    throw new HarnessError('no-runs', `${path}: no usable results file${why}`);
  }
  return { runs, problems: errors };
}
