// Builds the report site from the committed fixtures under a sub-path, serves it over 127.0.0.1 and checks
// every page in Debian's Chromium: no console errors or failed requests, every chart drawn with the fixture's
// numbers, results text shown literally. Screenshots go to test-output/screenshots/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type BuildReportResult } from '../harness/command-report.ts';
import { readResultsDir } from '../harness/results-file.ts';
import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import { startStaticSiteServer, type StaticSiteServer } from '../harness/static-site-server.ts';
import { REPORT_FIXTURES_DIR, XSS_ERROR_MESSAGE, XSS_HOSTNAME, XSS_PROMPT } from './fixtures/make-report-fixtures.ts';

const BASE = '/bench/';
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const MiB = 1024 * 1024;
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface ChartState {
  id: string;
  drawn: string | null;
  error: string | null;
  paintedPixels: number;
  spec: {
    type: string;
    title: string;
    xTitle: string;
    yTitle: string;
    labels?: string[];
    datasets: { label: string; data: (number | null | { x: number; y: number })[] }[];
    bands?: { label: string; from: number; to: number }[];
  };
}

interface PageProblems {
  consoleErrors: string[];
  failedRequests: string[];
  foreignRequests: string[];
}

let work = '';
let built: BuildReportResult;
let server: StaticSiteServer;
let browser: Browser;
let runs: RunResult[] = [];
const visited: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lightbench-site-test-'));
  built = await buildReport({ resultsDir: REPORT_FIXTURES_DIR, outDir: join(work, 'site'), base: BASE });
  server = await startStaticSiteServer({ root: built.outDir, base: BASE });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  runs = (await readResultsDir(REPORT_FIXTURES_DIR)).runs.map((r) => r.run).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A browser tab that records everything that counts as a failure on the page it shows. */
interface Tab {
  page: Page;
  problems: PageProblems;
}

async function newTab(): Promise<Tab> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const tab: Tab = { page, problems: { consoleErrors: [], failedRequests: [], foreignRequests: [] } };
  const origin = new URL(server.url).origin;
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    tab.problems.foreignRequests.push(url);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') tab.problems.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => tab.problems.consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => tab.problems.failedRequests.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) tab.problems.failedRequests.push(`${r.url()} ${r.status()}`);
  });
  return tab;
}

/** Shows `path` (relative to the base) in the tab and waits until every chart is drawn or has failed. */
async function visit(tab: Tab, path: string): Promise<Page> {
  tab.problems = { consoleErrors: [], failedRequests: [], foreignRequests: [] };
  const response = await tab.page.goto(`${server.url}${path}`, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(200);
  await tab.page.waitForFunction(
    () => [...document.querySelectorAll('canvas[data-chart]')].every((c) => c.getAttribute('data-chart-drawn') === 'true' || c.hasAttribute('data-chart-error')),
    undefined,
    { timeout: 15_000 },
  );
  return tab.page;
}

/** A fresh tab showing `path`. */
async function open(path: string): Promise<{ page: Page; problems: PageProblems }> {
  const tab = await newTab();
  await visit(tab, path);
  return tab;
}

async function charts(page: Page): Promise<ChartState[]> {
  return page.$$eval('canvas[data-chart]', (canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      return {
        id: canvas.id,
        drawn: canvas.getAttribute('data-chart-drawn'),
        error: canvas.getAttribute('data-chart-error'),
        paintedPixels: painted,
        spec: JSON.parse(canvas.getAttribute('data-chart') ?? '{}'),
      };
    }),
  );
}

const pagePath = (file: string) => file.replace(/index\.html$/, '');
const screenshotName = (path: string) => `${path.replace(/\/$/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'index'}.png`;
const latestRun = () => runs.at(-1)!;
const okVariants = (run: RunResult, model: string) => run.variants.filter((v): v is VariantOk => v.status === 'ok' && v.model === model);
const mib = (bytes: number) => Math.round((bytes / MiB) * 1000) / 1000;

describe('report site built from the fixtures', () => {
  it('has the top pages and one detail page per run, model and variant', () => {
    const pages = built.pages;
    for (const top of ['index.html', 'overview/index.html', 'ablation/index.html', 'hardware/index.html', 'history/index.html']) expect(pages).toContain(top);
    const variantCount = runs.reduce((sum, run) => sum + run.variants.length, 0);
    expect(pages.filter((p) => p.startsWith('runs/'))).toHaveLength(variantCount);
  });

  it('loads every page with no console errors, no failed or outside requests, every chart drawn and titled', async () => {
    const tab = await newTab();
    for (const file of built.pages) {
      const path = pagePath(file);
      const page = await visit(tab, path);
      const states = await charts(page);
      for (const chart of states) {
        expect(chart.error, `${path} #${chart.id}`).toBeNull();
        expect(chart.drawn, `${path} #${chart.id}`).toBe('true');
        expect(chart.paintedPixels, `${path} #${chart.id} painted pixels`).toBeGreaterThan(2000);
        expect(chart.spec.title.length).toBeGreaterThan(0);
        expect(chart.spec.xTitle).toMatch(/\S/);
        expect(chart.spec.yTitle).toMatch(/\((ms|MiB|×.*)\)$/);
        expect(chart.spec.datasets.length).toBeGreaterThan(0);
        for (const d of chart.spec.datasets) expect(d.label).toMatch(/\S/);
      }
      // Every link and asset stays under the base, so the site works from a sub-path.
      const urls = await page.$$eval('a[href], script[src], link[href], img[src]', (els) => els.map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? ''));
      for (const url of urls.filter((u) => u.startsWith('/'))) expect(url.startsWith(BASE), `${path}: ${url}`).toBe(true);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      // Whole pages for the top pages and the latest run's details; the first screen of the others keeps the test quick.
      const fullPage = !path.startsWith('runs/') || path.includes(latestRun().runId);
      await page.screenshot({ path: join(SCREENSHOTS, screenshotName(path)), fullPage });
      expect(tab.problems, path).toEqual({ consoleErrors: [], failedRequests: [], foreignRequests: [] });
      visited.push(path);
    }
    await tab.page.close();
    expect(visited).toHaveLength(built.pages.length);
  });

  it('shows the latest run in the overview table and charts with the fixture numbers', async () => {
    const run = latestRun();
    const { page } = await open('overview/');
    expect(await page.textContent('#run-facts')).toContain(run.runId);
    for (const [mi, model] of run.suite.models.entries()) {
      const baseline = okVariants(run, model).find((v) => v.variant.name === 'baseline')!;
      const table = page.locator(`table.overview-table[data-model="${model}"]`);
      for (const v of okVariants(run, model)) {
        const row = table.locator(`tr[data-variant="${v.variant.name}"]`);
        for (const stage of ['load', 'encode', 'denoise', 'decode', 'total'] as const) {
          expect(await row.locator(`td[data-col="${stage}"]`).textContent()).toBe(v.stages[stage].medianMs.toFixed(1));
        }
        expect(await row.locator('td[data-col="peak-host"]').textContent()).toBe((v.hostMemory.total!.peakRssBytes / MiB).toFixed(1));
        expect(await row.locator('td[data-col="speedup"]').textContent()).toBe(`${(baseline.stages.total.medianMs / v.stages.total.medianMs).toFixed(2)}×`);
        const psnr = v.fidelity ? (v.fidelity.identical ? '∞ (identical)' : v.fidelity.psnrDb!.toFixed(2)) : '—';
        expect(await row.locator('td[data-col="psnr"]').textContent()).toBe(psnr);
      }
      const [stagesChart, memoryChart] = (await charts(page)).filter((c) => c.id === `overview-stages-${mi}` || c.id === `overview-memory-${mi}`);
      const oks = okVariants(run, model);
      expect(stagesChart!.spec.labels).toEqual(oks.map((v) => v.variant.name));
      expect(stagesChart!.spec.datasets.map((d) => d.label)).toEqual(['encode (ms)', 'denoise (ms)', 'decode (ms)']);
      expect(stagesChart!.spec.datasets[1]!.data).toEqual(oks.map((v) => v.stages.denoise.medianMs));
      expect(memoryChart!.spec.datasets[0]!.data).toEqual(oks.map((v) => mib(v.hostMemory.total!.peakRssBytes)));
    }
    // The failed variant is in the table with its message.
    const failed = run.variants.find((v) => v.status === 'error')!;
    const errorCell = page.locator(`table.overview-table[data-model="${failed.model}"] tr[data-variant="${failed.variant.name}"] [data-col="error"]`);
    expect(await errorCell.textContent()).toBe(XSS_ERROR_MESSAGE);
    await page.close();
  });

  it('shows prompt, host name and error message literally and never runs them', async () => {
    const run = latestRun();
    const failed = run.variants.find((v) => v.status === 'error')!;
    const errorPage = built.pages.find((p) => p.includes(run.runId) && p.includes(`/${failed.model}/${failed.variant.name}/`))!;
    const tab = await newTab();
    for (const path of ['', 'overview/', 'hardware/', 'history/', pagePath(errorPage)]) {
      const page = await visit(tab, path);
      const text = await page.evaluate(() => document.body.innerText);
      if (path === 'overview/') expect(await page.textContent('#prompt')).toBe(XSS_PROMPT);
      if (path === pagePath(errorPage)) expect(await page.textContent('#error-message')).toBe(XSS_ERROR_MESSAGE);
      if (path === '' || path === 'hardware/') expect(text).toContain(XSS_HOSTNAME);
      expect(await page.locator('img[src="x"], svg[onload], script:not([src])').count(), path).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), path).toBeUndefined();
    }
    await tab.page.close();
  });

  it('normalises the hardware comparison to the machine picked on the page', async () => {
    const { page } = await open('hardware/');
    const section = page.locator('section[data-suite="default"]');
    const machines = await section.locator('table.machines-table tbody tr').count();
    expect(machines).toBe(2);
    const latestOf = (fingerprint: string) => runs.filter((r) => r.context.machine.fingerprint === fingerprint).at(-1)!;
    const fingerprints = await section.locator('table.machines-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fingerprint')!));
    const [first, second] = fingerprints.map(latestOf);
    const total = (run: RunResult, model: string, variant: string) => okVariants(run, model).find((v) => v.variant.name === variant)?.stages.total.medianMs ?? null;
    const expected = (reference: RunResult, other: RunResult) =>
      reference.suite.models.flatMap((model) => reference.suite.variants.map((spec) => {
        const a = total(other, model, spec.name);
        const b = total(reference, model, spec.name);
        return a === null || b === null ? null : a / b;
      }));
    const chartData = async () => (await charts(page)).find((c) => c.id.startsWith('hardware-'))!.spec.datasets.map((d) => d.data);
    const close = (actual: unknown[], wanted: (number | null)[]) => actual.forEach((x, i) => (wanted[i] === null ? expect(x).toBeNull() : expect(x as number).toBeCloseTo(wanted[i]!, 9)));

    let data = await chartData();
    close(data[1]!, expected(first!, second!));
    const cell = section.locator('tr[data-model="animatediff-tiny"][data-variant="baseline"] [data-rel-machine="0"]');
    expect(await cell.textContent()).toBe('1.00×');

    await section.locator('select[data-reference]').selectOption('1');
    await page.waitForFunction(() => document.querySelector('canvas[id^="hardware-"]')?.getAttribute('data-chart-drawn') === 'true');
    data = await chartData();
    close(data[0]!, expected(second!, first!));
    const ratio = total(first!, 'animatediff-tiny', 'baseline')! / total(second!, 'animatediff-tiny', 'baseline')!;
    expect(await cell.textContent()).toBe(`${ratio.toFixed(2)}×`);
    expect(await section.locator('[data-reference-name]').textContent()).toContain('H100');
    await page.close();
  });

  it('draws a detail timeline with its peak, stage bands and every step mark', async () => {
    const run = latestRun();
    const v = okVariants(run, 'animatediff-tiny').find((x) => x.variant.name === 'lightcache')!;
    const path = built.pages.find((p) => p.includes(run.runId) && p.includes('/animatediff-tiny/lightcache/'))!;
    const { page } = await open(pagePath(path));
    const all = await charts(page);
    const timeline = all.find((c) => c.id === 'timeline')!.spec;
    const host = timeline.datasets.find((d) => d.label === 'host RSS (MiB)')!.data as { x: number; y: number }[];
    expect(Math.max(...host.map((p) => p.y))).toBe(mib(Math.max(...v.timeline.host.map((s) => s.rssBytes))));
    const stepMarks = v.timeline.marks.filter((m) => m.kind === 'step');
    const fullMarks = timeline.datasets.find((d) => d.label === 'full step start')!.data as { x: number }[];
    const cachedMarks = timeline.datasets.find((d) => d.label === 'cached step start')!.data as { x: number }[];
    expect(fullMarks.map((p) => p.x)).toEqual(stepMarks.filter((m) => m.stepKind === 'full').map((m) => m.tMs));
    expect(fullMarks.length + cachedMarks.length).toBe(stepMarks.length);
    expect(timeline.bands!.filter((b) => b.label === 'denoise stage')).toHaveLength(run.suite.warmup + run.suite.repeats);
    const steps = all.find((c) => c.id === 'steps')!.spec;
    const medianOf = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const stepMedians = v.runs[0]!.steps.map((_, i) => medianOf(v.runs.map((r) => r.steps[i]!.ms)));
    const fullData = steps.datasets[0]!.data as (number | null)[];
    const cachedData = steps.datasets[1]!.data as (number | null)[];
    stepMedians.forEach((m, i) => expect(fullData[i] ?? cachedData[i]).toBeCloseTo(m, 9));
    expect(await page.locator('.previews img').count()).toBe(4);
    expect(await page.locator('.previews img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth === 64))).toBe(true);
    await page.close();
  });

  it('marks the best value of each ablation column', async () => {
    const run = latestRun();
    const { page } = await open('ablation/');
    const table = page.locator('table.ablation-table[data-model="animatediff-tiny"]');
    const oks = okVariants(run, 'animatediff-tiny');
    const fastest = oks.reduce((a, b) => (a.stages.total.medianMs <= b.stages.total.medianMs ? a : b));
    const bestTime = await table.locator('td.best[data-col="time"]').evaluateAll((cells) => cells.map((c) => c.closest('tr')!.getAttribute('data-variant')));
    expect(bestTime).toEqual([fastest.variant.name]);
    const bestPsnr = await table.locator('td.best[data-col="psnr"]').evaluateAll((cells) => cells.map((c) => c.closest('tr')!.getAttribute('data-variant')));
    expect(bestPsnr).toEqual(oks.filter((v) => v.fidelity?.identical).map((v) => v.variant.name));
    await page.close();
  });

  it('marks the step change of the slower commits as a regression in history', async () => {
    const cpuRuns = runs.filter((r) => r.context.gpus.length === 0);
    const slowFrom = cpuRuns.findIndex((r) => r.context.git!.commit.startsWith('3c4d5e6'));
    expect(slowFrom).toBe(2);
    const { page } = await open('history/');
    const section = page.locator('section[data-history-group="0"]');
    expect(await section.locator('h2').textContent()).toContain('AMD EPYC');
    const cells = section.locator('table.history-table[data-model="animatediff-tiny"][data-metric="totalMedianMs"] tbody tr');
    expect(await cells.count()).toBe(cpuRuns.length);
    const marks = await cells.evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td[data-step-change="regression"]').length));
    expect(marks.map((n) => n > 0)).toEqual(cpuRuns.map((_, i) => i === slowFrom));
    const chart = (await charts(page)).find((c) => c.id === 'history-0-0-totalMedianMs')!.spec;
    const baseline = chart.datasets.find((d) => d.label === 'baseline')!.data;
    expect(baseline).toEqual(cpuRuns.map((r) => okVariants(r, 'animatediff-tiny').find((v) => v.variant.name === 'baseline')!.stages.total.medianMs));
    const regression = chart.datasets.find((d) => d.label === 'baseline: regression (step change)')!.data;
    expect(regression.map((v) => v !== null)).toEqual(cpuRuns.map((_, i) => i === slowFrom));
    await page.close();
  });
});
