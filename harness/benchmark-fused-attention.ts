// Fused against unfused attention in one command: baseline and DeepCache with session.fuseAttention on and off, the
// two forms back to back for each variant, and optionally one real-size (sd15) UNet call at reduced frames in each form, each in a fresh process.
// Prints, per form, the baseline's denoise rate as a share of the measured matmul peak, DeepCache's measured denoise
// speed-up next to the one its FLOP count allows, and peaks; ratios are read side by side from one run.
//   npx tsx harness/benchmark-fused-attention.ts [--preset small] [--steps 8] [--repeats 2] [--sd15-frames 2]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { ensureModel } from '../pipelines/models/model-store.ts';
import { getPreset } from '../pipelines/models/presets.ts';
import { TEXT_BATCH } from '../pipelines/models/text-encoder.ts';
import type { AttentionForm } from '../pipelines/onnx/types.ts';
import { speedupCeiling } from '../reports/speedup-ceiling.ts';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import type { RunResult, VariantOk } from './results-schema.ts';
import { runSuite } from './run-suite.ts';
import { MEASURED_SESSION, planSuite } from './suite-config.ts';

const command = 'benchmark-fused-attention';
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  preset: { type: 'string', help: 'model preset of the suite', default: 'small' },
  steps: { type: 'string', help: 'scheduler steps', default: '8' },
  repeats: { type: 'string', help: 'measured runs per variant', default: '2' },
  'sd15-frames': { type: 'string', help: 'frames of one sd15 UNet call measured in each form (0 skips it)', default: '0' },
  'sd15-only': { type: 'boolean', help: 'measure only the sd15 UNet calls, not the suite' },
});
const steps = integerOption(command, 'steps', options.steps as string, 1, 1000)!;
const repeats = integerOption(command, 'repeats', options.repeats as string, 1, 100)!;
const sd15Frames = integerOption(command, 'sd15-frames', options['sd15-frames'] as string, 0, 16)!;
const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
const FORMS: readonly AttentionForm[] = ['fused', 'unfused'];
const MiB = 2 ** 20;

const outDir = await mkdtemp(join(tmpdir(), 'lightbench-fused-attention-'));
const VARIANTS = ['baseline', 'deepcache'] as const;
// One run per (variant, form), the two forms back to back for each variant, so a change in the machine's load
// falls on both forms alike; each run has its own matmul calibration.
const runs = {} as Record<AttentionForm, Record<(typeof VARIANTS)[number], RunResult>>;
const suiteToo = options['sd15-only'] !== true;
try {
  for (const variant of suiteToo ? VARIANTS : []) {
    for (const form of FORMS) {
      const planned = planSuite({
        name: 'fused-attention',
        models: [options.preset as string],
        variants: [variant],
        steps,
        warmup: 1,
        repeats,
        session: { ...MEASURED_SESSION, fuseAttention: form === 'fused' },
      });
      (runs[form] ??= {} as (typeof runs)[AttentionForm])[variant] = (await runSuite({ planned, outDir, modelDir })).run;
    }
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}

const ok = (run: RunResult | undefined, name: string) => run?.variants.find((v): v is VariantOk => v.status === 'ok' && v.variant.name === name);
const pct = (share: number | undefined) => (share === undefined ? '—' : `${(100 * share).toFixed(0)}%`);
const table = new Table({
  head: ['attention', 'baseline denoise ms', 'GFLOP/s', 'of matmul peak', 'deepcache denoise ms', 'speed-up', 'FLOP-ideal', 'measured / ideal', 'baseline peak MiB', 'deepcache peak MiB'],
  style: { head: [], border: [] },
});
const failures: string[] = [];
for (const form of suiteToo ? FORMS : []) {
  const base = ok(runs[form].baseline, 'baseline');
  const deep = ok(runs[form].deepcache, 'deepcache');
  for (const run of Object.values(runs[form])) for (const v of run.variants) if (v.status === 'error') failures.push(`${form}/${v.variant.name}: ${v.error.message}`);
  if (!base || !deep) continue;
  const run = runs[form].baseline;
  const ceiling = speedupCeiling(runs[form].deepcache, deep, base);
  const baseCeiling = speedupCeiling(run, base, base);
  table.push([
    `${form} (${base.attention?.fusedNodes ?? 0} fused, ${base.attention?.unfusedNodes ?? 0} unfused)`,
    base.stages.denoise.medianMs.toFixed(0),
    base.work?.denoise?.achievedGflops.toFixed(1) ?? '—',
    `${pct(baseCeiling.peakShare.denoise)} of ${run.calibration?.matmulGflops.toFixed(0) ?? '—'}`,
    deep.stages.denoise.medianMs.toFixed(0),
    `${ceiling.denoiseMeasured?.toFixed(2) ?? '—'}×`,
    `${ceiling.denoiseFlopIdeal?.toFixed(2) ?? '—'}×`,
    ceiling.denoiseMeasured && ceiling.denoiseFlopIdeal ? (ceiling.denoiseMeasured / ceiling.denoiseFlopIdeal).toFixed(2) : '—',
    ((base.hostMemory.total?.peakRssBytes ?? 0) / MiB).toFixed(0),
    ((deep.hostMemory.total?.peakRssBytes ?? 0) / MiB).toFixed(0),
  ]);
}
const fusedBase = suiteToo ? ok(runs.fused.baseline, 'baseline') : undefined;
const unfusedBase = suiteToo ? ok(runs.unfused.baseline, 'baseline') : undefined;
const lines = suiteToo ? [`preset ${options.preset}, ${steps} steps, 1 warm-up + ${repeats} measured runs per variant, CPU, measured session settings`, table.toString()] : [];
if (fusedBase && unfusedBase) {
  lines.push(`fused baseline denoise is ${(unfusedBase.stages.denoise.medianMs / fusedBase.stages.denoise.medianMs).toFixed(2)}× as fast as unfused; whole-run peak ${((fusedBase.hostMemory.total?.peakRssBytes ?? 0) / (unfusedBase.hostMemory.total?.peakRssBytes ?? 1)).toFixed(2)}× of unfused`);
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
