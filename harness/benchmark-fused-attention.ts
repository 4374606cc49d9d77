// Fused against unfused attention in one command, under the measured allocator settings (no CPU arena, fixed mmap
// threshold: peaks are what a variant needs) and under ONNX Runtime's defaults as deployed (arena on), since each
// run's allocation cost differs between the two. For each (session, form), baseline and DeepCache run as one suite;
// the cells take turns, pair after pair, so a change in the machine's load falls on all of them alike, and every
// figure is the median over pairs of a ratio measured within one pair (each suite run has its own matmul calibration).
// Prints the baseline's denoise rate as a share of the measured matmul peak, DeepCache's measured denoise speed-up
// next to the one its FLOP count allows, and peaks; optionally one real-size (sd15) UNet call per form at reduced
// frames, each in a fresh process.
//   npx tsx harness/benchmark-fused-attention.ts [--preset small] [--pairs 3] [--sessions measured,deployed] [--forms fused,unfused] [--sd15-frames 2]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { max, median, min } from 'simple-statistics';
import { ensureModel } from '../pipelines/models/model-store.ts';
import { getPreset } from '../pipelines/models/presets.ts';
import { TEXT_BATCH } from '../pipelines/models/text-encoder.ts';
import type { AttentionForm } from '../pipelines/onnx/types.ts';
import { speedupCeiling } from '../reports/speedup-ceiling.ts';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import type { VariantOk } from './results-schema.ts';
import { runSuite } from './run-suite.ts';
import { DEPLOYED_SESSION, MEASURED_SESSION, planSuite } from './suite-config.ts';

const command = 'benchmark-fused-attention';
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  preset: { type: 'string', help: 'model preset of the suite', default: 'small' },
  steps: { type: 'string', help: 'scheduler steps', default: '8' },
  repeats: { type: 'string', help: 'measured runs per variant in each suite run', default: '2' },
  pairs: { type: 'string', help: 'rounds in which every (session, form) cell runs once', default: '3' },
  sessions: { type: 'string', help: 'session settings to compare: measured, deployed or both', default: 'measured,deployed' },
  forms: { type: 'string', help: 'attention forms to compare: fused, unfused or both', default: 'fused,unfused' },
  'sd15-frames': { type: 'string', help: 'frames of one sd15 UNet call measured in each form (0 skips it)', default: '0' },
  'sd15-only': { type: 'boolean', help: 'measure only the sd15 UNet calls, not the suite' },
});
const steps = integerOption(command, 'steps', options.steps as string, 1, 1000)!;
const repeats = integerOption(command, 'repeats', options.repeats as string, 1, 100)!;
const pairs = integerOption(command, 'pairs', options.pairs as string, 1, 100)!;
const sd15Frames = integerOption(command, 'sd15-frames', options['sd15-frames'] as string, 0, 16)!;
const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
const SESSIONS = { measured: MEASURED_SESSION, deployed: DEPLOYED_SESSION } as const;
type SessionName = keyof typeof SESSIONS;
function listOption<T extends string>(name: string, accepted: readonly T[]): T[] {
  const values = String(options[name]).split(',').map((v) => v.trim());
  const bad = values.find((v) => !accepted.includes(v as T));
  if (bad !== undefined || values.length === 0) throw new HarnessError('bad-option', `${command}: --${name} ${JSON.stringify(options[name])}: expected a comma-separated list of ${accepted.join(', ')}`);
  return [...new Set(values as T[])];
}
const sessions = listOption<SessionName>('sessions', ['measured', 'deployed']);
const FORMS: readonly AttentionForm[] = listOption<AttentionForm>('forms', ['fused', 'unfused']);
const MiB = 2 ** 20;

/** One suite run of one (session, form) cell: what its baseline and DeepCache gave. */
interface PairSample {
  baselineMs: number;
  peakShare: number | undefined;
  peakGflops: number | undefined;
  speedup: number | null;
  flopIdeal: number | null;
  baselinePeakBytes: number;
  deepcachePeakBytes: number;
  nodes: string;
}
const cellKey = (session: SessionName, form: AttentionForm) => `${session}/${form}`;
const samples = new Map<string, PairSample[]>();
const failures: string[] = [];
const suiteToo = options['sd15-only'] !== true;
const ok = (variants: readonly VariantOk[], name: string) => variants.find((v) => v.variant.name === name);

const outDir = await mkdtemp(join(tmpdir(), 'lightbench-fused-attention-'));
try {
  for (let pair = 0; pair < (suiteToo ? pairs : 0); pair++) {
    for (const session of sessions) {
      for (const form of FORMS) {
        const planned = planSuite({
          name: 'fused-attention',
          models: [options.preset as string],
          variants: ['baseline', 'deepcache'],
          steps,
          warmup: 1,
          repeats,
          session: { ...SESSIONS[session], fuseAttention: form === 'fused' },
        });
        const { run } = await runSuite({ planned, outDir, modelDir });
        for (const v of run.variants) if (v.status === 'error') failures.push(`${session}/${form}/${v.variant.name}: ${v.error.message}`);
        const okVariants = run.variants.filter((v): v is VariantOk => v.status === 'ok');
        const base = ok(okVariants, 'baseline');
        const deep = ok(okVariants, 'deepcache');
        if (!base || !deep) continue;
        const ceiling = speedupCeiling(run, deep, base);
        const list = samples.get(cellKey(session, form)) ?? [];
        list.push({
          baselineMs: base.stages.denoise.medianMs,
          peakShare: speedupCeiling(run, base, base).peakShare.denoise,
          peakGflops: run.calibration?.matmulGflops,
          speedup: ceiling.denoiseMeasured,
          flopIdeal: ceiling.denoiseFlopIdeal,
          baselinePeakBytes: base.hostMemory.total?.peakRssBytes ?? 0,
          deepcachePeakBytes: deep.hostMemory.total?.peakRssBytes ?? 0,
          nodes: `${base.attention?.fusedNodes ?? 0} fused, ${base.attention?.unfusedNodes ?? 0} unfused`,
        });
        samples.set(cellKey(session, form), list);
      }
    }
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}

const numbers = (values: readonly (number | null | undefined)[]) => values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
/** "median (min–max)" of a figure over the pairs, formatted by `show`. */
function spread(values: readonly (number | null | undefined)[], show: (v: number) => string): string {
  const xs = numbers(values);
  if (xs.length === 0) return '—';
  return xs.length === 1 ? show(xs[0]!) : `${show(median(xs))} (${show(min(xs))}–${show(max(xs))})`;
}
const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
const times = (v: number) => `${v.toFixed(2)}×`;
const table = new Table({
  head: ['session', 'attention', 'baseline denoise ms', 'of matmul peak', 'matmul peak GFLOP/s', 'deepcache speed-up', 'FLOP-ideal', 'measured / ideal', 'baseline peak MiB', 'deepcache peak MiB'],
  style: { head: [], border: [] },
});
for (const session of sessions) {
  for (const form of FORMS) {
    const cell = samples.get(cellKey(session, form)) ?? [];
    if (cell.length === 0) continue;
    table.push([
      session,
      `${form} (${cell[0]!.nodes})`,
      spread(cell.map((c) => c.baselineMs), (v) => v.toFixed(0)),
      spread(cell.map((c) => c.peakShare), pct),
      spread(cell.map((c) => c.peakGflops), (v) => v.toFixed(0)),
      spread(cell.map((c) => c.speedup), times),
      spread(cell.map((c) => c.flopIdeal), times),
      spread(cell.map((c) => (c.speedup && c.flopIdeal ? c.speedup / c.flopIdeal : null)), (v) => v.toFixed(2)),
      spread(cell.map((c) => c.baselinePeakBytes / MiB), (v) => v.toFixed(0)),
      spread(cell.map((c) => c.deepcachePeakBytes / MiB), (v) => v.toFixed(0)),
    ]);
  }
}
const lines = suiteToo
  ? [`preset ${options.preset}, ${steps} steps, ${pairs} pair${pairs === 1 ? '' : 's'} of runs per cell, each 1 warm-up + ${repeats} measured runs per variant, CPU; median (min–max) over pairs`, table.toString()]
  : [];
for (const session of suiteToo && FORMS.length === 2 ? sessions : []) {
  // Within one pair the two forms ran back to back, so their ratio is read pair by pair.
  const fused = samples.get(cellKey(session, 'fused')) ?? [];
  const unfused = samples.get(cellKey(session, 'unfused')) ?? [];
  const n = Math.min(fused.length, unfused.length);
  if (n === 0) continue;
  const speed = spread(Array.from({ length: n }, (_, i) => unfused[i]!.baselineMs / fused[i]!.baselineMs), times);
  const peak = spread(Array.from({ length: n }, (_, i) => fused[i]!.baselinePeakBytes / unfused[i]!.baselinePeakBytes), times);
  lines.push(`${session}: fused baseline denoise is ${speed} as fast as unfused; whole-run peak ${peak} of unfused`);
}
if (failures.length) lines.push(`failed: ${failures.join('; ')}`);

if (sd15Frames > 0) {
  // One sd15 UNet call per form, each in a fresh process with the measured allocator settings.
  const sd15 = getPreset('sd15');
  const child = fileURLToPath(new URL('./unet-call-peak-child.ts', import.meta.url));
  const peaks = {} as Record<AttentionForm, { peakRssBytes: number; rssBeforeBytes: number; runMs: number; finite: boolean }>;
  for (const form of FORMS) {
    const path = await ensureModel(modelDir, sd15, { component: 'unet', mode: 'full', cacheBranch: 0, chunks: null, frames: sd15Frames, videos: TEXT_BATCH, attention: form });
    peaks[form] = await new Promise((done, fail) => {
      const proc = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), child, path, 'sd15', String(sd15Frames), String(TEXT_BATCH), '0'], {
        env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      proc.on('error', fail);
      proc.on('exit', (code, signal) => (code === 0 ? done(JSON.parse(out.trim().split('\n').at(-1)!)) : fail(new Error(`sd15 ${form} UNet call ended with ${signal ?? `exit code ${code}`}`))));
    });
  }
  const sd = new Table({ head: ['sd15 UNet call', 'frames × videos', 'run ms', 'RSS before MiB', 'peak RSS MiB', 'peak − before MiB'], style: { head: [], border: [] } });
  for (const form of FORMS) {
    const p = peaks[form];
    sd.push([form, `${sd15Frames} × ${TEXT_BATCH}`, p.runMs.toFixed(0), (p.rssBeforeBytes / MiB).toFixed(0), (p.peakRssBytes / MiB).toFixed(0), ((p.peakRssBytes - p.rssBeforeBytes) / MiB).toFixed(0)]);
  }
  const working = (form: AttentionForm) => peaks[form].peakRssBytes - peaks[form].rssBeforeBytes;
  lines.push(sd.toString(), `sd15, ${sd15Frames} frames: the fused call's working memory is ${(working('unfused') / working('fused')).toFixed(1)}× smaller (${((working('unfused') - working('fused')) / MiB).toFixed(0)} MiB less)`);
}
process.stdout.write(`${lines.join('\n')}\n`);
