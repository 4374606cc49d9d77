// Times the PyTorch CPU pipeline (diffusers, tools/export/time_pytorch_pipeline.py) and lightbench's CPU pipeline
// (the baseline variant on the exported ONNX files) on the same model, steps and machine in one command, and prints
// each stage's median and the ratio. Usage:
//   PYTHON=/path/to/venv/bin/python npx tsx harness/benchmark-vs-pytorch.ts [--fixture DIR] [--steps N] [--repeats N] [--threads N]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Table from 'cli-table3';
import { integerOption, parseCommandArguments } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { runSuite } from './run-suite.ts';
import { loadUserModels, planSuite } from './suite-config.ts';
import type { SuiteFile } from './suite-config.ts';

const command = 'benchmark-vs-pytorch';
const STAGES = ['encode', 'denoise', 'decode', 'total'] as const;
const { options } = parseCommandArguments(command, process.argv.slice(2), {
  fixture: { type: 'string', help: 'an export folder (manifest.json, export-info.json)', default: 'test/fixtures/user-models/animatediff-tiny' },
  steps: { type: 'string', help: 'scheduler steps', default: '4' },
  warmup: { type: 'string', help: 'uncounted runs on each side', default: '1' },
  repeats: { type: 'string', help: 'measured runs on each side', default: '5' },
  threads: { type: 'string', help: 'threads of both runtimes (torch.set_num_threads, ORT intra-op threads); default: each runtime\'s own' },
});
const steps = integerOption(command, 'steps', options.steps as string, 1)!;
const warmup = integerOption(command, 'warmup', options.warmup as string, 0)!;
const repeats = integerOption(command, 'repeats', options.repeats as string, 1)!;
const threads = integerOption(command, 'threads', options.threads as string | undefined, 1);
const fixture = resolve(options.fixture as string);
const python = process.env.PYTHON ?? 'python3';

interface PytorchTiming {
  torch: string;
  diffusers: string;
  threads: number;
  pipeline: string;
  unetReferenceMaxAbsDiff: number | null;
  median: Record<`${(typeof STAGES)[number]}Ms`, number>;
  peakRssBytes: number;
}

const script = join(import.meta.dirname, '..', 'tools', 'export', 'time_pytorch_pipeline.py');
const args = [script, '--fixture', fixture, '--steps', String(steps), '--warmup', String(warmup), '--repeats', String(repeats), '--json', ...(threads ? ['--threads', String(threads)] : [])];
let pytorch: PytorchTiming;
try {
  const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 16 * 2 ** 20 });
  pytorch = JSON.parse(stdout) as PytorchTiming;
} catch (error) {
  throw new HarnessError('pytorch-unavailable', `${python} ${args.join(' ')} failed (${(error as Error).message.split('\n')[0]}); set PYTHON to a Python with tools/export/requirements.txt installed`);
}

const suiteFile: SuiteFile = {
  name: 'vs-pytorch',
  models: [join(fixture, 'manifest.json')],
  variants: ['baseline'],
  device: 'cpu',
  steps,
  warmup,
  repeats,
  ...(threads ? { session: { intraOpThreads: threads, interOpThreads: 1 } } : {}),
};
const outDir = await mkdtemp(join(tmpdir(), 'lightbench-vs-pytorch-'));
let lightbench;
try {
  const planned = planSuite(suiteFile, {}, await loadUserModels(suiteFile));
  lightbench = (await runSuite({ planned, outDir, modelDir: resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models') })).run.variants[0]!;
} finally {
  await rm(outDir, { recursive: true, force: true });
}
if (lightbench.status === 'error') throw new HarnessError('benchmark-failed', `lightbench baseline failed: ${lightbench.error.message}`);

const table = new Table({ head: ['stage', 'PyTorch ms', 'lightbench ms', 'lightbench / PyTorch', 'speed-up'], style: { head: [], border: [] } });
const row = (label: string, torchMs: number, ours: number) => table.push([label, torchMs.toFixed(1), ours.toFixed(1), (ours / torchMs).toFixed(2), `${(torchMs / ours).toFixed(2)}×`]);
for (const stage of STAGES) row(stage, pytorch.median[`${stage}Ms`], lightbench.stages[stage].medianMs);
// PyTorch's models are in memory before its clock starts; lightbench's total also spans creating the sessions.
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
row('encode+denoise+decode', sum(['encode', 'denoise', 'decode'].map((s) => pytorch.median[`${s}Ms` as `encodeMs`])), sum((['encode', 'denoise', 'decode'] as const).map((s) => lightbench.stages[s].medianMs)));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
process.stdout.write(
  `${pytorch.pipeline} from ${fixture}, ${steps} steps, ${warmup} warm-up + ${repeats} measured runs each (medians), CPU\n` +
    `PyTorch: torch ${pytorch.torch}, diffusers ${pytorch.diffusers}, ${pytorch.threads} threads, peak RSS ${mib(pytorch.peakRssBytes)} MiB; rebuilt UNet vs recorded reference: max abs ${pytorch.unetReferenceMaxAbsDiff ?? 'not checked'}\n` +
    `lightbench: baseline variant on the exported ONNX files, ${threads ? `${threads} intra-op threads` : "ORT's default threads"}, peak RSS ${mib(lightbench.hostMemory.total!.peakRssBytes)} MiB\n` +
    `lightbench's total includes its load stage (${lightbench.stages.load.medianMs.toFixed(1)} ms: creating the sessions); PyTorch's models are built before its clock starts, so compare encode+denoise+decode\n` +
    `${table.toString()}\n`,
);
