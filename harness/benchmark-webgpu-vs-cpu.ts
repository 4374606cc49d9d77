// Runs one suite on the CPU provider and on WebGPU in one command and prints, per variant, stage times and
// peak memory side by side. Usage: npx tsx harness/benchmark-webgpu-vs-cpu.ts [--preset tiny] [--steps N] [--repeats N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { UNET_VARIANT_NAMES } from '../pipelines/variants.ts';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import type { RunResult } from './results-schema.ts';
import { runSuite } from './run-suite.ts';
import { planSuite } from './suite-config.ts';

const command = 'benchmark-webgpu-vs-cpu';
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  preset: { type: 'string', help: 'model preset', default: 'tiny' },
  steps: { type: 'string', help: 'scheduler steps', default: '4' },
  repeats: { type: 'string', help: 'measured runs per variant', default: '2' },
});
const steps = integerOption(command, 'steps', options.steps as string, 1)!;
const repeats = integerOption(command, 'repeats', options.repeats as string, 1)!;
const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
const outDir = await mkdtemp(join(tmpdir(), 'lightbench-devices-'));
const runs: Record<'cpu' | 'webgpu', RunResult> = {} as Record<'cpu' | 'webgpu', RunResult>;
try {
  for (const device of ['cpu', 'webgpu'] as const) {
    const planned = planSuite({ name: 'webgpu-vs-cpu', models: [options.preset as string], variants: [...UNET_VARIANT_NAMES], device, steps, warmup: 1, repeats });
    runs[device] = (await runSuite({ planned, outDir, modelDir })).run;
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}
const table = new Table({ head: ['variant', 'device', 'encode ms', 'denoise ms', 'decode ms', 'total ms', 'peak RSS MiB', 'cache'], style: { head: [], border: [] } });
for (const name of UNET_VARIANT_NAMES) {
  for (const device of ['cpu', 'webgpu'] as const) {
    const v = runs[device].variants.find((x) => x.variant.name === name);
    if (!v) continue;
    if (v.status === 'error') {
      table.push([name, device, { colSpan: 6, content: `error: ${v.error.message}` }]);
      continue;
    }
    table.push([name, device, ...(['encode', 'denoise', 'decode', 'total'] as const).map((s) => v.stages[s].medianMs.toFixed(0)), (v.hostMemory.total!.peakRssBytes / 2 ** 20).toFixed(0), v.cache.location]);
  }
}
process.stdout.write(`preset ${options.preset}, ${steps} steps, 1 warm-up + ${repeats} measured runs per variant; webgpu: ${runs.webgpu.context.providerNote ?? 'webgpu'}\n${table.toString()}\n`);
