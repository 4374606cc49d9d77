// Builds the report site from the committed fixtures (shaped like `lightbench run` output) under a sub-path, serves
// it over 127.0.0.1 and checks every page in Debian's Chromium: no console errors or failed requests, every chart
// drawn with the fixture's numbers and described in text, results text shown literally, axe-core finding nothing
// serious, no sideways scrolling on a phone. Screenshots of every page kind at desktop and phone width go to
// test-output/screenshots/.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type BuildReportResult } from '../harness/command-report.ts';
import { readResultsDir } from '../harness/results-file.ts';
import type { RunResult, VariantOk } from '../harness/results-schema.ts';
import { startStaticSiteServer, type StaticSiteServer } from '../harness/static-site-server.ts';
import { slugSegment } from '../reports/site-slug.ts';
import { REPORT_FIXTURES_DIR, XSS_ERROR_MESSAGE, XSS_HOSTNAME, XSS_PROMPT } from './fixtures/make-report-fixtures.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const REPO = 'https://github.com/example/lightbench';

const BASE = '/bench/';
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const MiB = 1024 * 1024;
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface ChartState {
  id: string;
  drawn: string | null;
  error: string | null;
  areaHeight: number;
  visible: string[];
  description: string;
  paintedPixels: number;
  spec: {
    type: string;
    title: string;
    xTitle: string;
    yTitle: string;
    labels?: string[];
    datasets: { label: string; data: (number | null | { x: number; y: number })[]; colour: string; variant?: string; role?: string; hideInLegend?: boolean; fillToNext?: boolean }[];
    bands?: { label: string; from: number; to: number }[];
    yLog?: boolean;
    description: string;
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
  built = await buildReport({ resultsDir: REPORT_FIXTURES_DIR, outDir: join(work, 'site'), base: BASE, repositoryUrl: REPO });
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

async function newTab(width = 1280, colorScheme: 'light' | 'dark' = 'light'): Promise<Tab> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
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
async function open(path: string, width = 1280): Promise<{ page: Page; problems: PageProblems }> {
  const tab = await newTab(width);
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
        areaHeight: Number(canvas.getAttribute('data-chart-area-height')),
        visible: JSON.parse(canvas.getAttribute('data-visible-datasets') ?? '[]') as string[],
        description: document.getElementById(canvas.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
        paintedPixels: painted,
        spec: JSON.parse(canvas.getAttribute('data-chart') ?? '{}'),
      };
    }),
  );
}

const pagePath = (file: string) => file.replace(/index\.html$/, '');
const screenshotName = (path: string) => `${path.replace(/\/$/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'index'}.png`;
/** The newest run of the default suite: three models, profiled, a failed variant, the script payloads. */
const latestRun = () => runs.filter((r) => r.suite.name === 'default').at(-1)!;
const okVariants = (run: RunResult, model: string) => run.variants.filter((v): v is VariantOk => v.status === 'ok' && v.model === model);
const mib = (bytes: number) => Math.round((bytes / MiB) * 1000) / 1000;
const slug = (runId: string) => runId;

/** The page of each kind the site has, for the checks every kind gets (accessibility, widths, screenshots). */
function pageKinds(): Record<string, string> {
  const run = latestRun();
  const older = runs[0]!;
  const failed = run.variants.find((v) => v.status === 'error')!;
  return {
    index: '',
    overview: 'overview/',
    'run-overview': `runs/${slug(older.runId)}/`,
    ablation: 'ablation/',
    'run-ablation': `runs/${slug(older.runId)}/ablation/`,
    detail: `runs/${slug(run.runId)}/animatediff-tiny/lightcache/`,
    'detail-failed': `runs/${slug(run.runId)}/${failed.model}/${failed.variant.name}/`,
    hardware: 'hardware/',
    history: 'history/',
    regressions: 'regressions/',
  };
}

/** WCAG relative luminance contrast of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((x) => Number(x) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('report site built from the fixtures', () => {
  it('has the top pages, an overview and ablation page for every run, and one detail page per run, model and variant', () => {
    const pages = built.pages;
    for (const top of ['index.html', 'overview/index.html', 'ablation/index.html', 'hardware/index.html', 'history/index.html', 'regressions/index.html']) expect(pages).toContain(top);
    for (const run of runs) {
      expect(pages).toContain(`runs/${run.runId}/index.html`);
      expect(pages).toContain(`runs/${run.runId}/ablation/index.html`);
      for (const v of run.variants) expect(pages).toContain(`runs/${run.runId}/${v.model}/${slugSegment(v.variant.name)}/index.html`);
    }
    const variantCount = runs.reduce((sum, run) => sum + run.variants.length, 0);
    expect(pages.filter((p) => p.startsWith('runs/'))).toHaveLength(variantCount + 2 * runs.length);
  });

  it('loads every page with no errors, every chart drawn, titled and described in text, links under the base, its results JSON linked, no raw floats', async () => {
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
        expect(chart.spec.yTitle).toMatch(/\((ms|MiB|dB|×.*)\)$/);
        expect(chart.spec.datasets.length).toBeGreaterThan(0);
        for (const d of chart.spec.datasets) expect(d.label).toMatch(/\S/);
        // The text alternative names the figures, not only the title.
        expect(chart.description.length, `${path} #${chart.id} description`).toBeGreaterThan(chart.spec.title.length);
        expect(chart.description).toMatch(/\d/);
      }
      // Every link and asset stays under the base, so the site works from a sub-path.
      const urls = await page.$$eval('a[href], script[src], link[href], img[src]', (els) => els.map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? ''));
      for (const url of urls.filter((u) => u.startsWith('/'))) expect(url.startsWith(BASE), `${path}: ${url}`).toBe(true);
      // Every page links the results JSON it was built from; a run's pages carry the run in their title.
      const results = await page.$$eval('a.results-link', (as) => as.map((a) => a.getAttribute('href')!));
      expect(results.length, `${path}: results links`).toBeGreaterThan(0);
      const runId = path.match(/^runs\/([^/]+)\//)?.[1];
      if (runId) {
        expect(await page.title()).toContain(runId);
        expect(results).toContain(`${BASE}results/${runId}.json`);
      }
      const text = await page.evaluate(() => document.body.innerText);
      expect(text, `${path}: a raw float in the text`).not.toMatch(/\d\.\d{6,}/);
      expect(text, `${path}: negative zero`).not.toMatch(/(^|[^\d])-0\.0+(?!\d*[1-9])/);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(tab.problems, path).toEqual({ consoleErrors: [], failedRequests: [], foreignRequests: [] });
      visited.push(path);
    }
    // The published results files are the runs themselves.
    for (const run of runs) {
      const response = await tab.page.request.get(`${server.url}results/${run.runId}.json`);
      expect(response.status()).toBe(200);
      expect(((await response.json()) as RunResult).runId).toBe(run.runId);
    }
    await tab.page.close();
    expect(visited).toHaveLength(built.pages.length);
  });

  it('passes axe-core with no serious or critical violation, and never scrolls sideways at 390 px or 1440 px, on every page kind; screenshots each', async () => {
    for (const [width, label] of [[1440, 'desktop'], [390, 'phone']] as const) {
      const tab = await newTab(width);
      for (const [kind, path] of Object.entries(pageKinds())) {
        const page = await visit(tab, path);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${kind} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
        // Wide tables scroll inside their own box at most; at desktop width the runs table fits without that.
        if (kind === 'index' && width === 1440) {
          expect(await page.$eval('#runs-table', (t) => t.scrollWidth <= (t.parentElement as HTMLElement).clientWidth)).toBe(true);
        }
        await page.addScriptTag({ content: AXE_SOURCE });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
          const result = await axe.run(document, { resultTypes: ['violations'] });
          return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
        });
        expect(violations.join('\n'), `${kind} at ${width} px`).toBe('');
        await page.screenshot({ path: join(SCREENSHOTS, `${kind}-${label}.png`), fullPage: true });
      }
      await tab.page.close();
    }
  });

  it('shows the index links and keeps the history plots tall on a phone; nav links meet WCAG contrast in light and dark mode', async () => {
    const { page } = await open('', 390);
    const link = page.locator(`tr[data-run-id="${latestRun().runId}"] a.run-overview`);
    expect(await link.isVisible()).toBe(true);
    const box = (await link.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await visit({ page, problems: { consoleErrors: [], failedRequests: [], foreignRequests: [] } }, 'history/');
    for (const chart of await charts(page)) expect(chart.areaHeight, `${chart.id} plot height on a phone`).toBeGreaterThan(150);
    await page.close();
    for (const scheme of ['light', 'dark'] as const) {
      const tab = await newTab(1280, scheme);
      await visit(tab, 'overview/');
      const colours = await tab.page.evaluate(() => {
        const header = getComputedStyle(document.querySelector('.site-header')!).backgroundColor;
        const links = [...document.querySelectorAll('.site-header nav a')].map((a) => getComputedStyle(a).color);
        return { header, links, body: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color };
      });
      for (const c of colours.links) expect(contrast(c, colours.header), `${scheme} nav link ${c} on ${colours.header}`).toBeGreaterThanOrEqual(4.5);
      const dark = contrast(colours.body, 'rgb(0, 0, 0)') < contrast(colours.body, 'rgb(255, 255, 255)');
      expect(dark, `${scheme}: body ${colours.body}`).toBe(scheme === 'dark');
      await tab.page.screenshot({ path: join(SCREENSHOTS, `overview-dark-mode-${scheme}.png`) });
      await tab.page.close();
    }
  });

  it('stacks the stages of every variant to its median total, load included, and marks the Pareto front of latency vs peak memory', async () => {
    for (const run of [latestRun(), runs[0]!]) {
      const { page } = await open(`runs/${run.runId}/`);
      expect(await page.textContent('#run-facts')).toContain(run.runId);
      const all = await charts(page);
      for (const [mi, model] of run.suite.models.entries()) {
        const oks = okVariants(run, model);
        const baseline = oks.find((v) => v.variant.name === 'baseline')!;
        const table = page.locator(`table.overview-table[data-model="${model}"]`);
        for (const v of oks) {
          const row = table.locator(`tr[data-variant="${v.variant.name}"]`);
          for (const stage of ['load', 'encode', 'denoise', 'decode', 'total'] as const) {
            const ms = v.stages[stage].medianMs;
            expect(await row.locator(`td[data-col="${stage}"]`).textContent()).toBe(ms !== 0 && ms < 1 ? String(Number(ms.toPrecision(2))) : ms.toFixed(1));
          }
          expect(await row.locator('td[data-col="speedup"]').textContent()).toBe(`${(baseline.stages.total.medianMs / v.stages.total.medianMs).toFixed(2)}×`);
          // The ceiling: measured denoise speed-up of its FLOP-ideal one, and the share of the calibrated matmul peak.
          const measured = (baseline.stages.denoise.medianMs / v.stages.denoise.medianMs).toFixed(2);
          const ideal = (baseline.work!.denoise!.flops / v.work!.denoise!.flops).toFixed(2);
          expect((await row.locator('td[data-col="denoise-ceiling"]').textContent())!.trim()).toBe(`${measured}×of ${ideal}×`);
          expect(await row.locator('td[data-col="peak-share"]').textContent()).toBe(`${Math.round((100 * v.work!.denoise!.achievedGflops) / run.calibration!.matmulGflops)}%`);
        }
        const stages = all.find((c) => c.id === `overview-stages-${mi}`)!.spec;
        expect(stages.labels).toEqual(oks.map((v) => v.variant.name));
        expect(stages.datasets.map((d) => d.label)).toEqual(['load (sessions) (ms)', 'encode (ms)', 'denoise (ms)', 'decode (ms)', 'other (total − stages) (ms)']);
        oks.forEach((v, i) => {
          const stacked = stages.datasets.reduce((sum, d) => sum + (d.data[i] as number), 0);
          // The bar is the total the speed-up is computed from.
          expect(stacked / v.stages.total.medianMs).toBeCloseTo(1, 6);
        });
        const memory = all.find((c) => c.id === `overview-memory-${mi}`)!.spec;
        expect(memory.datasets[0]!.data).toEqual(oks.map((v) => mib(v.hostMemory.total!.peakRssBytes)));
        // Pareto front: variants no other variant beats on both time and peak memory.
        const peak = (v: VariantOk) => (v.gpuMemory.status === 'ok' ? v.gpuMemory.perGpu[0]!.stages.total!.peakUsedBytes : v.hostMemory.total!.peakRssBytes);
        const front = oks
          .filter((p) => !oks.some((q) => q !== p && q.stages.total.medianMs <= p.stages.total.medianMs && peak(q) <= peak(p) && (q.stages.total.medianMs < p.stages.total.medianMs || peak(q) < peak(p))))
          .sort((a, b) => a.stages.total.medianMs - b.stages.total.medianMs);
        const tradeoff = all.find((c) => c.id === `overview-tradeoff-${mi}`)!.spec;
        expect(tradeoff.datasets[0]!.data).toEqual(front.map((v) => ({ x: v.stages.total.medianMs, y: mib(peak(v)) })));
        const points = tradeoff.datasets.slice(1).flatMap((d) => d.data as { x: number }[]);
        expect(points).toHaveLength(oks.length);
        // Fidelity is the third encoding: the baseline, FME's ~1e-6 and the caches' ~9e-2 land in different classes.
        const classes = ['baseline (reference)', 'PSNR 35–60 dB', ...(oks.some((v) => v.variant.name === 'fme') ? ['identical or PSNR ≥ 60 dB'] : [])];
        expect(tradeoff.datasets.slice(1).map((d) => d.label).sort()).toEqual(classes.sort());
        expect(await page.textContent(`.pareto[data-model="${model}"]`)).toBe(front.map((v) => v.variant.name).join(', '));
      }
      await page.close();
    }
  });

  it('sorts tables by a click on a header', async () => {
    const run = latestRun();
    const { page } = await open(`runs/${run.runId}/`);
    const table = page.locator('table.overview-table[data-model="animatediff-tiny"]');
    await table.locator('th', { hasText: 'total (ms)' }).locator('button').click();
    const order = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant')));
    const expected = okVariants(run, 'animatediff-tiny').sort((a, b) => a.stages.total.medianMs - b.stages.total.medianMs).map((v) => v.variant.name);
    expect(order.filter((v) => expected.includes(v!))).toEqual(expected);
    expect(await table.locator('th[aria-sort="ascending"]').count()).toBe(1);
    await page.close();
  });

  it('shows prompt, host name and error message literally and never runs them', async () => {
    const run = latestRun();
    const failed = run.variants.find((v) => v.status === 'error')!;
    const errorPage = built.pages.find((p) => p.includes(run.runId) && p.includes(`/${failed.model}/${failed.variant.name}/`))!;
    const tab = await newTab();
    const overview = `runs/${run.runId}/`;
    for (const path of ['', overview, 'hardware/', 'history/', pagePath(errorPage)]) {
      const page = await visit(tab, path);
      const text = await page.evaluate(() => document.body.innerText);
      if (path === overview) expect(await page.textContent('#prompt')).toBe(XSS_PROMPT);
      if (path === pagePath(errorPage)) expect(await page.textContent('#error-message')).toBe(XSS_ERROR_MESSAGE);
      if (path === '' || path === 'hardware/') expect(text).toContain(XSS_HOSTNAME);
      expect(await page.locator('img[src="x"], svg[onload], script:not([src])').count(), path).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), path).toBeUndefined();
    }
    await tab.page.close();
  });

  it('compares hardware on a log axis, re-captions on a new reference, warns of other commits and dirty trees, and shows failed variants as failed', async () => {
    const { page } = await open('hardware/');
    const section = page.locator('section[data-suite="default"]');
    expect(await section.locator('table.machines-table tbody tr').count()).toBe(2);
    const latestOf = (fingerprint: string) => runs.filter((r) => r.context.machine.fingerprint === fingerprint && r.suite.name === 'default').at(-1)!;
    const fingerprints = await section.locator('table.machines-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fingerprint')!));
    const [first, second] = fingerprints.map(latestOf);
    const caveats = await section.locator('.caveats').textContent();
    expect(caveats).toContain(first!.context.git!.commit.slice(0, 7));
    expect(caveats).toContain(second!.context.git!.commit.slice(0, 7));
    expect(caveats).toMatch(/uncommitted changes/i);
    const total = (run: RunResult, model: string, variant: string) => okVariants(run, model).find((v) => v.variant.name === variant)?.stages.total.medianMs ?? null;
    const chart = async () => (await charts(page)).find((c) => c.id.startsWith('hardware-'))!;
    expect((await chart()).spec.yLog).toBe(true);
    const cell = section.locator('tr[data-model="animatediff-tiny"][data-variant="baseline"] [data-rel-machine="0"]');
    expect(await cell.textContent()).toBe('1.00×');
    // A variant that failed on one machine reads "failed" there, not "—".
    const failedOnGpu = second!.variants.find((v) => v.status === 'error')!;
    const failedRow = section.locator(`tr[data-model="${failedOnGpu.model}"][data-variant="${failedOnGpu.variant.name}"]`);
    expect(await failedRow.locator('[data-rel-machine="1"]').textContent()).toBe('failed');
    expect(await failedRow.locator('td[data-col="total"]').nth(1).textContent()).toBe('failed');

    await section.locator('select[data-reference]').selectOption('1');
    await page.waitForFunction(() => document.querySelector('canvas[id^="hardware-"]')?.getAttribute('data-chart-drawn') === 'true');
    const after = await chart();
    const ratio = total(first!, 'animatediff-tiny', 'baseline')! / total(second!, 'animatediff-tiny', 'baseline')!;
    expect(await cell.textContent()).toBe(`${ratio.toFixed(2)}×`);
    const secondLabel = await section.locator('select[data-reference] option').nth(1).textContent();
    expect(secondLabel).toContain('H100');
    expect(after.spec.title).toContain(secondLabel!);
    expect(await section.locator('figure.chart figcaption [data-chart-title]').textContent()).toBe(after.spec.title);
    expect(after.description).toContain(`divided by ${secondLabel}`);
    expect(await failedRow.locator('[data-rel-machine="1"]').textContent()).toBe('failed');
    // With the machine it failed on as the reference, the other machine's ratio says why it is missing.
    expect(await failedRow.locator('[data-rel-machine="0"]').textContent()).toBe('reference failed');
    await page.close();
  });

  it('draws a detail timeline with its peak, stage bands and every step mark, and links sibling variants and the run overview', async () => {
    const run = latestRun();
    const v = okVariants(run, 'animatediff-tiny').find((x) => x.variant.name === 'lightcache')!;
    const { page } = await open(`runs/${run.runId}/animatediff-tiny/lightcache/`);
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
    expect(await page.locator('.previews img').count()).toBe(4);
    const siblings = await page.locator('.sibling-links a[data-sibling]').evaluateAll((as) => as.map((a) => a.getAttribute('data-sibling')));
    expect(siblings).toEqual(run.variants.filter((x) => x.model === 'animatediff-tiny' && x.variant.name !== 'lightcache').map((x) => x.variant.name));
    expect(await page.locator('.sibling-links a.overview-link').getAttribute('href')).toBe(`${BASE}runs/${run.runId}/`);
    await page.close();
  });

  it("draws a run-time cache's decisions per step beside its step latencies: the measured change, the threshold and each call computed or reused", async () => {
    const run = runs.find((r) => r.suite.name === 'deployed')!;
    for (const name of ['first-block-cache', 'teacache+lightcache']) {
      const v = okVariants(run, 'wan-tiny').find((x) => x.variant.name === name)!;
      const steps = v.runs[0]!.steps;
      const { page } = await open(`runs/${run.runId}/wan-tiny/${slugSegment(name)}/`);
      const all = await charts(page);
      expect(all.map((c) => c.id)).toEqual(expect.arrayContaining(['steps', 'decisions']));
      const chart = all.find((c) => c.id === 'decisions')!;
      expect(chart.drawn).toBe('true');
      const data = (label: string) => chart.spec.datasets.find((d: { label: string }) => d.label === label)!.data as (number | null)[];
      expect(data(`threshold ${v.variant.threshold}`)).toEqual(steps.map(() => v.variant.threshold));
      for (const call of ['negative', 'prompt'] as const) {
        const decisions = steps.map((s) => s.decision!.calls.find((c) => c.call === call)!);
        // The value drawn is what the decision compared with the threshold: TeaCache's sum, else the change.
        const value = decisions.map((c) => c.accumulated ?? c.change ?? 0);
        expect(data(`${call} call: ${name === 'first-block-cache' ? "relative L1 change of the first block's residual" : 'accumulated rescaled change'}`)).toEqual(value);
        expect(data(`${call} call: computed`)).toEqual(decisions.map((c, i) => (c.computed ? value[i] : null)));
        expect(data(`${call} call: reused`)).toEqual(decisions.map((c, i) => (c.computed ? null : value[i])));
      }
      const reused = steps.reduce((n, s) => n + s.decision!.calls.filter((c) => !c.computed).length, 0);
      expect(reused).toBeGreaterThan(0);
      expect(chart.description).toContain(`${reused} of ${2 * steps.length} calls reused the cached blocks`);
      // The step table beside it says the same per step.
      await expect(page.locator('#steps-table tr[data-step="1"] td[data-col="decision"]').innerText()).resolves.toMatch(steps[1]!.decision!.calls[0]!.computed ? /^negative computed/ : /^negative reused/);
      await page.close();
    }
  });

  it('draws every heat map on one stated scale with a colour bar, and prints small errors in scientific notation', async () => {
    const run = latestRun();
    const brightness: Record<string, number> = {};
    for (const variant of ['fme', 'deepcache']) {
      const v = okVariants(run, 'animatediff-tiny').find((x) => x.variant.name === variant)!;
      const { page } = await open(`runs/${run.runId}/animatediff-tiny/${variant}/`);
      expect(await page.locator('.colour-bar').count()).toBe(1);
      expect(await page.locator('.colour-bar .ticks').textContent()).toMatch(/1e-6.*1/);
      const shown = await page.textContent('#max-abs-error');
      if (v.fidelity!.maxAbsError < 1e-3) expect(shown).toBe(v.fidelity!.maxAbsError.toExponential(1));
      else expect(shown).not.toMatch(/e/);
      brightness[variant] = await page.$eval('.previews img.heatmap', async (img) => {
        const image = img as HTMLImageElement;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(image, 0, 0);
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < px.length; i += 4) sum += px[i]! + px[i + 1]! + px[i + 2]!;
        return sum / (px.length / 4) / 765;
      });
      await page.close();
    }
    // 1e-6 from the baseline stays dark next to 9e-2: the maps are not each scaled to their own maximum.
    expect(brightness.fme!).toBeLessThan(0.05);
    expect(brightness.deepcache!).toBeGreaterThan(brightness.fme! + 0.1);
  });

  it('marks the best of an ablation column only where it leads beyond noise', async () => {
    for (const run of [latestRun(), runs[0]!]) {
      const { page } = await open(`runs/${run.runId}/ablation/`);
      for (const model of run.suite.models) {
        const table = page.locator(`table.ablation-table[data-model="${model}"]`);
        const oks = okVariants(run, model);
        const fastest = oks.reduce((a, b) => (a.stages.total.medianMs <= b.stages.total.medianMs ? a : b));
        const clear = oks.every((o) => o === fastest || (fastest.stages.total.ci95Ms[1] < o.stages.total.ci95Ms[0] && o.stages.total.medianMs >= fastest.stages.total.medianMs * 1.05));
        const marked = await table.locator('td.best[data-col="time"]').evaluateAll((cells) => cells.map((c) => c.closest('tr')!.getAttribute('data-variant')));
        expect(marked).toEqual(clear ? [fastest.variant.name] : []);
        const psnr = (v: VariantOk) => (v.fidelity ? (v.fidelity.identical ? Infinity : v.fidelity.psnrDb!) : null);
        const withPsnr = oks.filter((v) => psnr(v) !== null).sort((a, b) => psnr(b)! - psnr(a)!);
        const psnrLeader = withPsnr.length >= 2 && psnr(withPsnr[0]!)! - psnr(withPsnr[1]!)! >= 0.5 ? [withPsnr[0]!.variant.name] : [];
        const bestPsnr = await table.locator('td.best[data-col="psnr"]').evaluateAll((cells) => cells.map((c) => c.closest('tr')!.getAttribute('data-variant')));
        expect(bestPsnr).toEqual(psnrLeader);
        // deepcache and lightcache-swap reach the same SSIM: neither is marked.
        expect(await table.locator('td.best[data-col="ssim"]').count()).toBeLessThanOrEqual(1);
      }
      expect(await page.textContent('#best-rule')).toMatch(/beyond noise/);
      await page.close();
    }
  });

  it('gives history unique labels, distinct colour-blind-safe colours, min–max bands, commit links, a table for one-run series and a threshold band per variant', async () => {
    const cpuRuns = runs.filter((r) => r.context.gpus.length === 0 && r.suite.name === 'default');
    const slowFrom = cpuRuns.findIndex((r) => r.context.git!.commit.startsWith('3c4d5e6'));
    const { page } = await open('history/');
    const section = page.locator('section[data-history-group="0"]');
    expect(await section.locator('h2').textContent()).toContain('AMD EPYC');
    const rows = section.locator('table.history-table[data-model="animatediff-tiny"][data-metric="totalMedianMs"] tbody tr');
    expect(await rows.count()).toBe(cpuRuns.length);
    const marks = await rows.evaluateAll((trs) => trs.map((r) => r.querySelectorAll('td[data-step-change="regression"]').length));
    expect(marks.map((n) => n > 0)).toEqual(cpuRuns.map((_, i) => i === slowFrom));
    const commitLink = `${REPO}/commit/${cpuRuns[0]!.context.git!.commit}`;
    expect(await rows.first().locator(`a[href="${commitLink}"]`).count()).toBe(1);
    const chart = (await charts(page)).find((c) => c.id === 'history-0-0-totalMedianMs')!;
    expect(new Set(chart.spec.labels).size).toBe(cpuRuns.length);
    const lines = chart.spec.datasets.filter((d) => !d.hideInLegend && !d.label.includes(':'));
    expect(lines.map((d) => d.label)).toEqual(okVariants(cpuRuns[0]!, 'animatediff-tiny').map((v) => v.variant.name));
    expect(new Set(lines.map((d) => d.colour)).size).toBe(lines.length);
    for (const d of lines) expect(['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#7f7f7f', '#882255']).toContain(d.colour);
    // A variant keeps its colour on a chart that lacks another variant (svd-tiny's FME failed in every run).
    const svd = (await charts(page)).find((c) => c.id === 'history-0-1-totalMedianMs')!;
    for (const d of svd.spec.datasets.filter((x) => !x.hideInLegend && !x.label.includes(':'))) expect(d.colour, d.label).toBe(lines.find((l) => l.label === d.label)!.colour);
    const baseline = lines.find((d) => d.label === 'baseline')!.data;
    expect(baseline).toEqual(cpuRuns.map((r) => okVariants(r, 'animatediff-tiny').find((v) => v.variant.name === 'baseline')!.stages.total.medianMs));
    const high = chart.spec.datasets.find((d) => d.label === 'baseline: max of the runs')!;
    expect(high.fillToNext).toBe(true);
    expect(high.data).toEqual(cpuRuns.map((r) => okVariants(r, 'animatediff-tiny').find((v) => v.variant.name === 'baseline')!.stages.total.maxMs));
    const regression = chart.spec.datasets.find((d) => d.label === 'baseline: regression (step change)')!.data;
    expect(regression.map((v) => v !== null)).toEqual(cpuRuns.map((_, i) => i === slowFrom));
    // Threshold bands appear when one variant is picked, the other variants go.
    expect(chart.visible.some((l) => l.includes('threshold'))).toBe(false);
    await page.locator('select[data-filter="variant"]').selectOption('baseline');
    await page.waitForFunction(() => document.getElementById('history-0-0-totalMedianMs')?.getAttribute('data-chart-drawn') === 'true');
    const filtered = (await charts(page)).find((c) => c.id === 'history-0-0-totalMedianMs')!;
    expect(filtered.visible).toContain('baseline: threshold +5%');
    expect(filtered.visible.filter((l) => !l.startsWith('baseline'))).toEqual([]);
    // The one-run suite has a table and no empty chart.
    const deployed = page.locator('section[data-history-group]', { has: page.locator('h2', { hasText: 'Suite deployed' }) });
    expect(await deployed.locator('canvas').count()).toBe(0);
    expect(await deployed.locator('table.history-table').count()).toBeGreaterThan(0);
    await page.locator('select[data-filter="device"]').selectOption('cuda');
    expect(await page.locator('section[data-history-group="0"]').isHidden()).toBe(true);
    await page.close();
  });

  it('names a diffusion transformer on the run pages and says what each variant did to it', async () => {
    const run = latestRun();
    const { page } = await open(`runs/${slug(run.runId)}/`);
    const dit = page.locator('section[data-model="wan-tiny"] .model-architecture');
    await expect(dit.getAttribute('data-family')).resolves.toBe('diffusion transformer');
    await expect(dit.locator('li[data-variant="deepcache"]').innerText()).resolves.toContain('block cache');
    await expect(page.locator('section[data-model="animatediff-tiny"] .model-architecture li[data-variant="deepcache"]').innerText()).resolves.toContain('DeepCache');
    // Each model gets a speed-up against fidelity chart with a point per accelerated variant.
    const fidelityCharts = await page.$$eval('canvas[id^="overview-fidelity-"]', (cs) => cs.map((c) => JSON.parse(c.getAttribute('data-chart')!) as { datasets: { pointNames?: string[] }[] }));
    expect(fidelityCharts).toHaveLength(run.suite.models.length);
    expect(fidelityCharts[0]!.datasets.flatMap((d) => d.pointNames ?? [])).toContain('deepcache');
    await page.close();
    const detail = (await open(`runs/${slug(run.runId)}/wan-tiny/lightcache-swap/`)).page;
    await expect(detail.locator('.variant-meaning').innerText()).resolves.toMatch(/block cache.*swap/);
    await detail.close();
  });

  it('filters the index by model, variant and device', async () => {
    const { page } = await open('');
    const visibleRuns = () => page.locator('#runs-table tbody tr:not([hidden])').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-run-id')));
    await page.locator('select[data-filter="model"]').selectOption('wan-tiny');
    expect((await visibleRuns()).sort()).toEqual(runs.filter((r) => r.suite.models.includes('wan-tiny')).map((r) => r.runId).sort());
    await page.locator('select[data-filter="model"]').selectOption('');
    await page.locator('select[data-filter="device"]').selectOption('cuda');
    expect((await visibleRuns()).sort()).toEqual(runs.filter((r) => r.context.executionProvider === 'cuda').map((r) => r.runId).sort());
    await page.close();
  });

  it('lists the step change of the slower commit on the regressions page, linked to the runs on both sides', async () => {
    const cpuRuns = runs.filter((r) => r.context.gpus.length === 0 && r.suite.name === 'default');
    const slowFrom = cpuRuns.findIndex((r) => r.context.git!.commit.startsWith('3c4d5e6'));
    const { page } = await open('regressions/');
    const rows = page.locator('#regressions-table tbody tr[data-direction="regression"]');
    expect(await rows.count()).toBeGreaterThan(0);
    const row = rows.filter({ hasText: 'animatediff-tiny / baseline' }).filter({ hasText: 'total time' }).filter({ hasText: 'AMD EPYC' });
    expect(await row.count()).toBe(1);
    expect(await row.locator(`a[href="${BASE}runs/${cpuRuns[slowFrom]!.runId}/"]`).count()).toBe(1);
    expect(await row.locator(`a[href="${BASE}runs/${cpuRuns[slowFrom - 1]!.runId}/"]`).count()).toBe(1);
    expect(await row.locator(`a[href="${REPO}/commit/${cpuRuns[slowFrom]!.context.git!.commit}"]`).count()).toBe(1);
    await page.close();
  });

  it('says how to produce results when there are none', async () => {
    const empty = join(work, 'empty-results');
    await mkdir(empty, { recursive: true });
    const site = await buildReport({ resultsDir: empty, outDir: join(work, 'empty-site'), base: BASE });
    for (const page of ['index.html', 'overview/index.html', 'history/index.html', 'regressions/index.html', 'hardware/index.html', 'ablation/index.html']) {
      const html = readFileSync(join(site.outDir, page), 'utf8');
      expect(html, page).toContain('npx lightbench run --preset tiny');
      expect(html, page).toContain('npx lightbench report');
    }
  });
});
