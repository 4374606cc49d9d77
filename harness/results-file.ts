import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { HarnessError } from './harness-error.ts';
import { trackTempPath, untrackTempPath } from './process-registry.ts';
import { RunResultSchema, SCHEMA_VERSION, type RunResult } from './results-schema.ts';

/** A results file that was read and validated. */
export interface LoadedRun {
  file: string;
  run: RunResult;
}

/** A results file that could not be used, and why. */
export interface ResultsFileProblem {
  file: string;
  error: HarnessError;
}

const MAX_REPORTED_ISSUES = 20;

/**
 * Validates `run` and writes it as JSON so that readers never see a half-written file: a temporary
 * file in the same directory is written, flushed to disk and renamed over `path`. An invalid run is
 * refused before anything touches the disk.
 */
export async function writeResultsFile(path: string, run: RunResult): Promise<void> {
  const parsed = RunResultSchema.safeParse(run);
  if (!parsed.success) {
    throw new HarnessError('results-invalid', describeIssues(`refusing to write ${path}`, parsed.error.issues, run));
  }
  // The schema leaves free-form parts (the scheduler config) untyped; JSON.stringify would quietly turn
  // their NaN into null and drop their undefined, so the file would not say what the run did.
  assertJsonSafe(parsed.data, [], path);
  const text = `${JSON.stringify(parsed.data, null, 2)}\n`;
  const dir = dirname(path);
  const temp = trackTempPath(join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`));
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    untrackTempPath(temp);
  } catch (error) {
    await rm(temp, { force: true });
    untrackTempPath(temp);
    throw new HarnessError('results-write', `could not write ${path}: ${(error as Error).message}`, { cause: error });
  }
  await syncDirectory(dir);
}

/** Reads one results file: its schemaVersion first, then the whole contract. */
export async function readResultsFile(path: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HarnessError('results-read', `${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new HarnessError('results-json', `${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseRunResult(data, path);
}

/** Validates already-parsed JSON as a run; `source` names it in error messages. */
export function parseRunResult(data: unknown, source: string): RunResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new HarnessError('results-invalid', `${source}: expected a JSON object at the top level, got ${typeName(data)}`);
  }
  const version = (data as Record<string, unknown>).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    const found = version === undefined ? 'no schemaVersion' : `schemaVersion ${JSON.stringify(version)}`;
    throw new HarnessError('schema-version', `${source}: has ${found}; this lightbench reads schemaVersion ${SCHEMA_VERSION}`);
  }
  const parsed = RunResultSchema.safeParse(data);
  if (!parsed.success) throw new HarnessError('results-invalid', describeIssues(source, parsed.error.issues, data));
  return parsed.data;
}

/**
 * Reads every results file of a folder, in name order: its `*.json` files, and, when it is a results store
 * (one sub-folder per machine, each with a `machine.json`), the runs in each machine folder. Files that fail
 * are collected with their error so one bad file does not hide the others; a runId seen twice is an error on
 * the later file.
 */
export async function readResultsDir(dir: string): Promise<{ runs: LoadedRun[]; errors: ResultsFileProblem[] }> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const jsonIn = async (sub: string) =>
      (await readdir(join(dir, sub), { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.') && !(sub && e.name === 'machine.json'))
        .map((e) => (sub ? join(sub, e.name) : e.name));
    names = await jsonIn('');
    for (const entry of entries) {
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'machine.json'))) names.push(...(await jsonIn(entry.name)));
    }
  } catch (error) {
    throw new HarnessError('results-dir', `${dir}: cannot read results directory: ${(error as Error).message}`, { cause: error });
  }
  names.sort();
  const runs: LoadedRun[] = [];
  const errors: ResultsFileProblem[] = [];
  const fileOfRunId = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    try {
      const run = await readResultsFile(file);
      const earlier = fileOfRunId.get(run.runId);
      if (earlier !== undefined) {
        throw new HarnessError('duplicate-run-id', `${file}: runId "${run.runId}" is also the runId of ${earlier}`);
      }
      fileOfRunId.set(run.runId, file);
      runs.push({ file, run });
    } catch (error) {
      if (!(error instanceof HarnessError)) throw error;
      errors.push({ file, error });
    }
  }
  return { runs, errors };
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; some file systems refuse fsync on a directory, which costs nothing but durability.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* durability only */
  }
}

function assertJsonSafe(value: unknown, path: PropertyKey[], file: string): void {
  const fail = (what: string) => {
    throw new HarnessError('results-not-json', `refusing to write ${file}: ${formatPath(path)}: ${what} cannot be written as JSON`);
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(String(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonSafe(item, [...path, i], file));
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(`a ${proto?.constructor?.name ?? 'non-plain'} object`);
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertJsonSafe(item, [...path, key], file);
    }
    return;
  }
  fail(typeName(value));
}

/** `variants[2].stages.denoise.medianMs` */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text || '(root)';
}

function describeIssues(source: string, issues: readonly z.core.$ZodIssue[], data: unknown): string {
  const lines = issues.flatMap((issue) => describeIssue(issue, [], data));
  const shown = lines.slice(0, MAX_REPORTED_ISSUES).map((line) => `${source}: ${line}`);
  if (lines.length > MAX_REPORTED_ISSUES) shown.push(`${source}: … and ${lines.length - MAX_REPORTED_ISSUES} more`);
  return shown.join('\n');
}

function describeIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[], data: unknown): string[] {
  const path = [...prefix, ...issue.path];
  const at = formatPath(path);
  const found = valueAt(data, path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      if (!found.exists) return [`${at}: missing, expected ${expected}`];
      const got = issue.expected === 'int' && typeof found.value === 'number' ? String(found.value) : typeName(found.value);
      return [`${at}: expected ${expected}, got ${got}`];
    }
    case 'invalid_value':
      return [`${at}: expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${show(found)}`];
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...path, key])}: unknown field`);
    case 'invalid_union': {
      // A discriminated union whose tag matched no branch names the allowed tags in `options`.
      const options = (issue as { options?: unknown }).options;
      if (Array.isArray(options)) return [`${at}: expected ${options.map((v) => JSON.stringify(v)).join(' | ')}, got ${show(found)}`];
      // Report the alternative that came closest, which is almost always the one that was meant.
      const closest = issue.errors.filter((e) => e.length > 0).sort((a, b) => a.length - b.length)[0];
      if (!closest) return [`${at}: ${issue.message}`];
      return closest.flatMap((inner) => describeIssue(inner, path, data));
    }
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'number') return [`${at}: expected a number ${op} ${limit}, got ${show(found)}`];
      const length = (found.value as { length?: number } | undefined)?.length;
      const unit = issue.origin === 'string' ? 'characters' : 'items';
      return [`${at}: expected ${op} ${limit} ${unit}, got ${length ?? typeName(found.value)}`];
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? [`${at}: ${issue.message}, got ${show(found)}`]
        : [`${at}: expected ${issue.format === 'datetime' ? 'an ISO 8601 date-time' : issue.format}, got ${show(found)}`];
    default:
      return [`${at}: ${issue.message}`];
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): { exists: boolean; value: unknown } {
  let current: unknown = data;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return { exists: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { exists: true, value: current };
}

function show(found: { exists: boolean; value: unknown }): string {
  if (!found.exists) return 'nothing';
  const { value } = found;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : String(value);
  return typeof value;
}
