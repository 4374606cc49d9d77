// Times `lightbench report` on 1, 100 and 1000 results files (example runs with short timelines), to keep
// the site build fast as a results folder grows. Not a test: run `npx tsx reports/benchmark-site-build.ts`.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../harness/command-report.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import type { RunResult } from '../harness/results-schema.ts';
import { makeExampleRun } from '../test/fixtures/make-example-run.ts';

const SIZES = [1, 100, 1000];
const DAY_MS = 24 * 3600 * 1000;

/** Example run `i` of a long history: two machines, a new commit every run, a slow-down from run 600 on. */
function historyRun(i: number): RunResult {
  const device = i % 4 === 3 ? 'cuda' : 'cpu';
  const commit = (0x1000000 + i * 7919).toString(16).padStart(7, '0').repeat(2).slice(0, 12);
  const run = makeExampleRun({
    runId: `run-${String(i).padStart(5, '0')}-${device}`,
    startedAt: new Date(Date.UTC(2025, 0, 1) + i * (DAY_MS / 4)).toISOString(),
    device,
    commit,
    timeScale: i >= 600 ? 1.15 : 1,
    jitterSeed: i + 1,
    repeats: 3,
    warmup: 1,
  });
  for (const v of run.variants) {
    if (v.status !== 'ok') continue;
    // A short timeline: one measured call's worth of samples at a tenth of the rate.
    v.timeline.host = v.timeline.host.filter((_, k) => k % 10 === 0).slice(0, 60);
    v.timeline.gpu = v.timeline.gpu.filter((_, k) => k % 10 === 0).slice(0, 60);
    v.timeline.intervalMs *= 10;
    delete v.previews;
  }
  return run;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lightbench-site-bench-'));
  const rows: string[] = [];
  try {
    for (const size of SIZES) {
      const results = join(work, `results-${size}`);
      for (let i = 0; i < size; i++) await writeResultsFile(join(results, `run-${String(i).padStart(5, '0')}.json`), historyRun(i));
      const bytes = await folderBytes(results);
      const started = performance.now();
      const built = await buildReport({ resultsDir: results, outDir: join(work, `site-${size}`), base: '/bench/' });
      const seconds = (performance.now() - started) / 1000;
      // Builds share one process; make sure each one rendered its own results.
      const index = await readFile(join(built.outDir, 'index.html'), 'utf8');
      const listed = index.split('data-run-id=').length - 1;
      if (listed !== size) throw new Error(`the index of the ${size}-file build lists ${listed} runs`);
      const siteBytes = await folderBytes(join(work, `site-${size}`, 'history')).catch(() => 0);
      const line = `${String(size).padStart(5)} files  ${(bytes / 1e6).toFixed(1).padStart(6)} MB  ${String(built.pages.length).padStart(4)} pages  build ${seconds.toFixed(1).padStart(5)} s  (history page ${(siteBytes / 1e6).toFixed(2)} MB)`;
      rows.push(line);
      process.stdout.write(`${line}\n`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(`\nlightbench report build times:\n${rows.join('\n')}\n`);
}

await main();
