import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { HarnessError } from '../harness/harness-error.ts';
import { readResultsFile, writeResultsFile, type LoadedRun, type ResultsFileProblem } from '../harness/results-file.ts';
import { RunContextSchema, type RunResult } from '../harness/results-schema.ts';
import type { StoreContents, StoredMachine, StoredRunLocation } from './types.ts';

/*
 * A results store keeps runs apart by machine, as asv does: `<store>/<fingerprint>/<runId>.json`, with
 * `<store>/<fingerprint>/machine.json` describing the hardware. Timings from different hardware never
 * share a folder, so a history read from one folder is a history of one machine.
 */

/** Name of the machine description in each machine folder. */
export const MACHINE_FILE = 'machine.json';

const StoredMachineSchema = z.strictObject({
  fingerprint: z.string().min(1),
  machine: RunContextSchema.shape.machine,
  gpus: z.array(z.strictObject({ name: z.string(), memoryTotalBytes: z.number().int().nonnegative().optional() })),
  hostnames: z.array(z.string()),
});

/**
 * Files `run` under its machine's folder and records the machine. Filing the same run twice changes
 * nothing; a different run under an existing runId is refused. Preview images the run references are
 * copied along when `sourceFile` (the results file it was read from) is given.
 */
export async function addToStore(storeDir: string, run: RunResult, sourceFile?: string): Promise<StoredRunLocation> {
  const fingerprint = machineFolderName(run.context.machine.fingerprint);
  const folder = join(storeDir, fingerprint);
  const file = join(folder, `${run.runId}.json`);
  if (run.runId === MACHINE_FILE.replace(/\.json$/, '')) {
    throw new HarnessError('store-reserved-name', `runId "${run.runId}" is reserved for the machine description of a store folder`);
  }
  let existing: RunResult | null = null;
  try {
    existing = await readResultsFile(file);
  } catch (error) {
    if (!(error instanceof HarnessError) || error.code !== 'results-read') throw error;
  }
  if (existing) {
    if (canonicalJson(existing) !== canonicalJson(run)) {
      throw new HarnessError('store-conflict', `${file} already holds a different run with runId "${run.runId}"`);
    }
    return { file, fingerprint, status: 'unchanged' };
  }
  await writeResultsFile(file, run);
  if (sourceFile !== undefined) await copyPreviews(run, dirname(resolve(sourceFile)), folder);
  await recordMachine(folder, run);
  return { file, fingerprint, status: 'added' };
}

/** Reads every machine folder of a store; files that cannot be used are returned as problems. */
export async function readStore(storeDir: string): Promise<StoreContents> {
  let folders: string[];
  try {
    folders = (await readdir(storeDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (error) {
    throw new HarnessError('store-read', `${storeDir}: cannot read results store: ${(error as Error).message}`, { cause: error });
  }
  const machines: StoredMachine[] = [];
  const runs: LoadedRun[] = [];
  const problems: ResultsFileProblem[] = [];
  for (const folder of folders) {
    const dir = join(storeDir, folder);
    try {
      machines.push(await readMachine(dir));
    } catch (error) {
      if (!(error instanceof HarnessError)) throw error;
      problems.push({ file: join(dir, MACHINE_FILE), error });
    }
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.json') && e.name !== MACHINE_FILE && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const file = join(dir, name);
      try {
        const run = await readResultsFile(file);
        if (run.context.machine.fingerprint !== folder) {
          throw new HarnessError('store-misfiled', `${file}: measured on machine ${run.context.machine.fingerprint} but filed under ${folder}`);
        }
        runs.push({ file, run });
      } catch (error) {
        if (!(error instanceof HarnessError)) throw error;
        problems.push({ file, error });
      }
    }
  }
  return { machines, runs, problems };
}

/** A fingerprint as a folder name; anything that could escape the store or confuse a file system is refused. */
export function machineFolderName(fingerprint: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(fingerprint)) {
    throw new HarnessError('bad-fingerprint', `machine fingerprint "${fingerprint}" cannot name a store folder; expected letters, digits, '.', '_' or '-'`);
  }
  return fingerprint;
}

async function readMachine(dir: string): Promise<StoredMachine> {
  const file = join(dir, MACHINE_FILE);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new HarnessError('store-machine', `${file}: cannot read the machine description: ${(error as Error).message}`, { cause: error });
  }
  const parsed = StoredMachineSchema.safeParse(data);
  if (!parsed.success) throw new HarnessError('store-machine', `${file}: not a machine description: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

async function recordMachine(folder: string, run: RunResult): Promise<void> {
  let record: StoredMachine;
  try {
    record = await readMachine(folder);
    if (record.hostnames.includes(run.context.machine.hostname)) return;
    record = { ...record, hostnames: [...record.hostnames, run.context.machine.hostname] };
  } catch {
    record = {
      fingerprint: run.context.machine.fingerprint,
      machine: run.context.machine,
      gpus: run.context.gpus.map((g) => ({ name: g.name, ...(g.memoryTotalBytes !== undefined ? { memoryTotalBytes: g.memoryTotalBytes } : {}) })),
      hostnames: [run.context.machine.hostname],
    };
  }
  const file = join(folder, MACHINE_FILE);
  const temp = join(folder, `.${MACHINE_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new HarnessError('store-write', `could not write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** JSON with object keys sorted, so that two equal runs compare equal whatever order their fields were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

async function copyPreviews(run: RunResult, fromDir: string, toDir: string): Promise<void> {
  for (const result of run.variants) {
    if (result.status !== 'ok' || !result.previews) continue;
    for (const path of Object.values(result.previews)) {
      const source = resolve(fromDir, path);
      const target = resolve(toDir, path);
      // Paths are relative by schema; one that climbs out of the store folder is not copied.
      if (!target.startsWith(resolve(toDir) + sep)) continue;
      const exists = await stat(source).then((s) => s.isFile(), () => false);
      if (!exists) continue;
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, target);
    }
  }
}
