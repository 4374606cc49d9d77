// `lightbench report`: results files → site data → Astro build of site/ → static pages (optionally served).
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectSiteStepChanges } from '../reports/history.ts';
import { buildSiteData, DEFAULT_DETAIL_RUNS } from '../reports/site-data.ts';
import type { SiteStepChangeDetector } from '../reports/types.ts';
import { formatOptionsHelp, integerOption, parseCommandArguments, type OptionSpecs } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { trackTempPath, untrackTempPath } from './process-registry.ts';
import { readResultsDir } from './results-file.ts';
import { normaliseBasePath, startStaticSiteServer } from './static-site-server.ts';

/** The Astro project the report is built from. */
export const SITE_DIR = fileURLToPath(new URL('../site/', import.meta.url));
/** Written into every built report, so a later build knows the folder is a report it may replace. */
export const REPORT_MARKER = '.lightbench-report';
export const DEFAULT_OUT_DIR = 'site/dist';

/** Options of `buildReport`. */
export interface BuildReportOptions {
  resultsDir: string;
  outDir: string;
  /** Sub-path the site is served from; default `/`. */
  base?: string;
  /** Detail pages for this many of the newest runs. */
  detailRuns?: number;
  /** Marks step changes in history; default: the change-point detection of `lightbench history`; null: none. */
  detectStepChanges?: SiteStepChangeDetector | null;
  stepChangeSource?: string;
  /** Web address of the measured repository; commit hashes on the pages link to `<url>/commit/<sha>`. */
  repositoryUrl?: string;
  /** Astro's own build log; default 'warn'. */
  astroLogLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/** What a report build produced. */
export interface BuildReportResult {
  outDir: string;
  base: string;
  /** Site-relative paths of the HTML pages, e.g. `overview/index.html`. */
  pages: string[];
  runs: number;
  warnings: string[];
}

let buildQueue: Promise<unknown> = Promise.resolve();

/**
 * Builds the static report site from every results file in `resultsDir`. Any file that breaks the results
 * schema fails the build with a HarnessError naming the file and the field. Builds run one at a time, as
 * Astro's build reads its data file from the process environment.
 */
export function buildReport(options: BuildReportOptions): Promise<BuildReportResult> {
  const next = buildQueue.then(() => buildReportNow(options));
  buildQueue = next.catch(() => undefined);
  return next;
}

async function buildReportNow(options: BuildReportOptions): Promise<BuildReportResult> {
  const resultsDir = resolve(options.resultsDir);
  const outDir = resolve(options.outDir);
  const base = normaliseBasePath(options.base ?? '/');
  await assertReplaceableOutDir(outDir, resultsDir);
  const repositoryUrl = checkRepositoryUrl(options.repositoryUrl);
  const { runs, errors } = await readResultsDir(resultsDir);
  if (errors.length > 0) {
    const detail = errors.map((e) => e.error.message).join('\n');
    throw new HarnessError('results-invalid', `${errors.length} results ${errors.length === 1 ? 'file breaks' : 'files break'} the results schema; no report was built:\n${detail}`);
  }
  const { data, assets } = buildSiteData(runs, {
    repositoryUrl,
    detailRuns: options.detailRuns ?? DEFAULT_DETAIL_RUNS,
    ...(options.detectStepChanges === undefined
      ? { detectStepChanges: detectSiteStepChanges, stepChangeSource: 'change-point detection (as in lightbench history)' }
      : { detectStepChanges: options.detectStepChanges, ...(options.stepChangeSource ? { stepChangeSource: options.stepChangeSource } : {}) }),
  });
  // The site is built into a folder of its own and swapped in at the end, so an interrupted or failed build
  // leaves the previous report as it was. That folder sits beside a link to the installed packages: Astro
  // renders pages by importing the built modules, which must find them from wherever the user's --out is.
  const work = trackTempPath(await mkdtemp(join(tmpdir(), 'lightbench-report-')));
  const staging = join(work, 'site');
  const dataFile = join(work, 'site-data.json');
  const saved = { data: process.env.LIGHTBENCH_SITE_DATA, telemetry: process.env.ASTRO_TELEMETRY_DISABLED };
  try {
    await symlink(installedPackagesDir(), join(work, 'node_modules'), 'dir');
    await writeFile(dataFile, JSON.stringify(data));
    process.env.LIGHTBENCH_SITE_DATA = dataFile;
    // The build must work offline and send nothing anywhere.
    process.env.ASTRO_TELEMETRY_DISABLED = '1';
    const { build } = await import('astro');
    // Astro puts the modules it renders pages from inside outDir only when outDir is under the working
    // directory (elsewhere it writes ./.astro into the user's folder); so the build runs from the work folder.
    const cwd = process.cwd();
    process.chdir(work);
    try {
      await build(
        { root: SITE_DIR, outDir: staging, base, cacheDir: join(work, 'astro-cache'), vite: { cacheDir: join(work, 'vite-cache') }, logLevel: options.astroLogLevel ?? 'warn', mode: 'production' },
        { teardownCompiler: false },
      );
    } catch (error) {
      throw new HarnessError('report-build', `building the report site failed: ${(error as Error).message}`, { cause: error });
    } finally {
      process.chdir(cwd);
    }
    for (const asset of assets) {
      const to = join(staging, asset.to);
      await mkdir(join(to, '..'), { recursive: true });
      await cp(asset.from, to);
    }
    await writeFile(join(staging, REPORT_MARKER), `lightbench report built ${data.generatedAt} from ${runs.length} results files\n`);
    await swapInto(staging, outDir);
  } finally {
    restoreEnv('LIGHTBENCH_SITE_DATA', saved.data);
    restoreEnv('ASTRO_TELEMETRY_DISABLED', saved.telemetry);
    await rm(work, { recursive: true, force: true });
    untrackTempPath(work);
  }
  return { outDir, base, pages: await htmlPages(outDir), runs: runs.length, warnings: data.warnings };
}

/** The node_modules folder that holds Astro for this install (hoisted or not). */
function installedPackagesDir(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve('astro/package.json')));
}

/**
 * Puts a finished site at `outDir`: copied beside it first (the same disk, so the last steps are renames),
 * then the old report, if any, is renamed away, the new one renamed in, and the old one removed.
 */
async function swapInto(staging: string, outDir: string): Promise<void> {
  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const incoming = trackTempPath(join(parent, `.${basename(outDir)}.new-${stamp}`));
  // Not removed by a signal handler: stopped between the two renames, the previous site is still here.
  const outgoing = join(parent, `.${basename(outDir)}.old-${stamp}`);
  try {
    await cp(staging, incoming, { recursive: true });
    const hadReport = await stat(outDir).then(() => true, () => false);
    if (hadReport) await rename(outDir, outgoing);
    try {
      await rename(incoming, outDir);
    } catch (error) {
      if (hadReport) await rename(outgoing, outDir);
      throw error;
    }
  } finally {
    await rm(incoming, { recursive: true, force: true });
    await rm(outgoing, { recursive: true, force: true });
    untrackTempPath(incoming);
  }
}

/** An http(s) address, or null when none was given; anything else is refused, as it would become a link on every page. */
function checkRepositoryUrl(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new HarnessError('bad-arguments', `--repo-url ${JSON.stringify(url)} is not an http(s) address; give the repository's web address, e.g. https://github.com/owner/name`);
  }
  return url.replace(/\/+$/, '');
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * Astro empties its output folder before building, so the folder must be new, empty, or a report this
 * command built; and it must not hold the results or the site sources.
 */
async function assertReplaceableOutDir(outDir: string, resultsDir: string): Promise<void> {
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
  const site = resolve(SITE_DIR);
  if (within(resultsDir, outDir) || within(site, outDir) || within(process.cwd(), outDir)) {
    throw new HarnessError('bad-arguments', `--out ${outDir} would hold the results, the site sources or the working directory, and the build empties it; choose a folder of its own`);
  }
  if (within(outDir, site) && !within(outDir, join(site, 'dist'))) {
    throw new HarnessError('bad-arguments', `--out ${outDir} is inside the site sources; use ${join(site, 'dist')} or a folder outside ${site}`);
  }
  const info = await stat(outDir).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new HarnessError('bad-arguments', `--out ${outDir} exists and is not a folder`);
  const entries = await readdir(outDir);
  if (entries.length > 0 && !entries.includes(REPORT_MARKER)) {
    throw new HarnessError('bad-arguments', `--out ${outDir} is not empty and is not a lightbench report (no ${REPORT_MARKER}); the build would delete its contents`);
  }
}

async function htmlPages(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => relative(outDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Options of `lightbench report`; exported so examples and tests can check the flags they use. */
export const REPORT_OPTIONS: OptionSpecs = {
  results: { type: 'string', help: 'folder of results files', default: 'results' },
  out: { type: 'string', help: `folder the site is written to (replaced once the new site is built; default ${DEFAULT_OUT_DIR})`, default: DEFAULT_OUT_DIR },
  base: { type: 'string', help: 'sub-path the site will be served from, e.g. /bench/', default: '/' },
  'repo-url': { type: 'string', help: 'web address of the measured repository; commits link to <url>/commit/<sha> (default: $LIGHTBENCH_REPO_URL)' },
  'detail-runs': { type: 'string', help: `detail pages for this many of the newest runs (default ${DEFAULT_DETAIL_RUNS})` },
  serve: { type: 'boolean', help: 'after building, serve the site on 127.0.0.1 until interrupted' },
  port: { type: 'string', help: 'port for --serve (default 4321; 0 picks a free one)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** `lightbench report [--results DIR] [--out DIR] [--base PATH] [--serve [--port N]]` */
export async function main(argv: string[]): Promise<number> {
  const { options } = parseCommandArguments('report', argv, REPORT_OPTIONS);
  if (options.help) {
    process.stdout.write(`usage: lightbench report [options]\n\nBuilds the static report site from results files.\n\noptions:\n${formatOptionsHelp(REPORT_OPTIONS)}\n`);
    return 0;
  }
  const detailRuns = integerOption('report', 'detail-runs', options['detail-runs'] as string | undefined, 0);
  const port = integerOption('report', 'port', options.port as string | undefined, 0, 65535) ?? 4321;
  const result = await buildReport({
    resultsDir: options.results as string,
    outDir: options.out as string,
    base: options.base as string,
    ...((options['repo-url'] ?? process.env.LIGHTBENCH_REPO_URL) ? { repositoryUrl: (options['repo-url'] ?? process.env.LIGHTBENCH_REPO_URL) as string } : {}),
    ...(detailRuns === undefined ? {} : { detailRuns }),
  });
  for (const warning of result.warnings) process.stderr.write(`lightbench report: warning: ${warning}\n`);
  process.stdout.write(`report: ${result.pages.length} pages from ${result.runs} results files\nsite: ${result.outDir}\n`);
  if (!options.serve) return 0;
  const server = await startStaticSiteServer({ root: result.outDir, base: result.base, port });
  process.stdout.write(`serving ${server.url} (Ctrl-C stops)\n`);
  await new Promise<void>((resolvePromise) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolvePromise();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
