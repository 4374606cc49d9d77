// Measures what the parent's memory sampling costs the measured child: the same run with sampling every
// 10 ms and with sampling off, interleaved (on, off, off, on, ...) so drift on a shared machine cancels,
// in one command. Usage: npx tsx harness/benchmark-sampler-overhead.ts [--preset small] [--pairs 3] [--steps N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from 'simple-statistics';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import { runSuite } from './run-suite.ts';
import type { VariantOk } from './results-schema.ts';
import { planSuite } from './suite-config.ts';

const { options } = parseCommandArguments('benchmark-sampler-overhead', process.argv.slice(2), {
  preset: { type: 'string', help: 'model preset', default: 'small' },
  pairs: { type: 'string', help: 'on/off pairs', default: '3' },
  steps: { type: 'string', help: 'scheduler steps (default: the preset\'s)' },
  interval: { type: 'string', help: 'sampling interval in ms', default: '10' },
});
const pairs = integerOption('benchmark-sampler-overhead', 'pairs', options.pairs as string, 1)!;
const steps = integerOption('benchmark-sampler-overhead', 'steps', options.steps as string | undefined, 1);
const intervalMs = integerOption('benchmark-sampler-overhead', 'interval', options.interval as string, 1)!;
const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
const outDir = await mkdtemp(join(tmpdir(), 'lightbench-sampler-'));

const totals: Record<'on' | 'off', number[]> = { on: [], off: [] };
const rates: number[] = [];
try {
  for (let i = 0; i < pairs * 2; i++) {
    // on, off, off, on, on, off, ...: each setting runs first as often as second.
    const mode = (i % 4 === 0 || i % 4 === 3 ? 'on' : 'off') as 'on' | 'off';
    const planned = planSuite({ name: 'sampler-overhead', models: [options.preset as string], variants: ['baseline'], warmup: 1, repeats: 1, sampleIntervalMs: mode === 'on' ? intervalMs : 0, ...(steps ? { steps } : {}) });
    const { run } = await runSuite({ planned, outDir, modelDir });
    const v = run.variants[0];
    if (v?.status !== 'ok') throw new Error(`the ${mode} run failed: ${v?.status === 'error' ? v.error.message : 'no result'}`);
    const ok = v as VariantOk;
    totals[mode].push(ok.stages.total.medianMs);
    if (mode === 'on') rates.push(ok.timeline.achievedSamplesPerSecond);
    process.stderr.write(`run ${i + 1}/${pairs * 2}: sampling ${mode}, total ${ok.stages.total.medianMs.toFixed(0)} ms\n`);
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}
const on = median(totals.on);
const off = median(totals.off);
process.stdout.write(
  [
    `preset ${options.preset}, ${pairs} interleaved pairs, baseline, 1 warm-up + 1 measured run each`,
    `total time, sampling every ${intervalMs} ms: median ${on.toFixed(0)} ms (${totals.on.map((t) => t.toFixed(0)).join(', ')})`,
    `total time, sampling off:        median ${off.toFixed(0)} ms (${totals.off.map((t) => t.toFixed(0)).join(', ')})`,
    `ratio on/off: ${(on / off).toFixed(4)} (${((on / off - 1) * 100).toFixed(2)}% ${on >= off ? 'slower' : 'faster'})`,
    `samples per second achieved: ${rates.map((r) => r.toFixed(1)).join(', ')} (target ${(1000 / intervalMs).toFixed(0)})`,
  ].join('\n') + '\n',
);
