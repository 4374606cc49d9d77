import { DIT_PRESET_NAMES } from '../pipelines/models/dit-presets.ts';
import { PRESET_NAMES } from '../pipelines/models/presets.ts';
import { isVariantName, LIGHTCACHE_SWITCHES, PAB_LIMITS, SWITCHABLE_CACHE_VARIANTS, VARIANT_NAMES } from '../pipelines/variants.ts';
import type { VariantName } from '../pipelines/variants.ts';
import type { OptionSpecs, ParsedOptions } from './cli-arguments.ts';
import { formatOptionsHelp, integerOption, numberOption, parseCommandArguments } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';
import { assertWritableFolder } from './output-folder-check.ts';
import { createProgressDisplay } from './progress-display.ts';
import { runSuite } from './run-suite.ts';
import { BUILTIN_SUITES, defaultModelDir, loadSuite, loadUserModels, NUMERIC_LIMITS, planSuite } from './suite-config.ts';
import type { SuiteFile } from './suite-config.ts';
import { formatSummary } from './summary-table.ts';

const ON_OFF = ['on', 'off'] as const;

/** Options of `lightbench run`; exported so examples and tests can check the flags they use. */
export const RUN_OPTIONS: OptionSpecs = {
  suite: { type: 'string', help: `built-in suite (${Object.keys(BUILTIN_SUITES).join(', ')}) or a YAML/JSON suite file`, default: 'default' },
  preset: { type: 'string', help: `built-in model preset (${[...PRESET_NAMES, ...DIT_PRESET_NAMES].join(', ')}); replaces the suite's models` },
  model: { type: 'string', help: 'a preset name, or a model manifest (YAML/JSON) of your own ONNX files; replaces the suite\'s models' },
  variants: { type: 'string', help: `comma-separated variants (${VARIANT_NAMES.join(', ')}); a run-time cache takes LightCache's switches as +swap, +chunk, +slice or +lightcache, e.g. first-block-cache+lightcache` },
  steps: { type: 'string', help: 'scheduler steps (default: the preset\'s)' },
  frames: { type: 'string', help: 'video frames (default: the preset\'s, at most 32)' },
  seed: { type: 'string', help: 'seed of the initial noise' },
  prompt: { type: 'string', help: 'text prompt' },
  image: { type: 'string', help: 'image-to-video models: conditioning image (PNG of the size the VAE encoder takes; default: drawn from the seed)' },
  'negative-prompt': { type: 'string', help: 'unconditional prompt for classifier-free guidance' },
  'guidance-scale': { type: 'string', help: 'classifier-free guidance scale' },
  scheduler: { type: 'string', help: 'scheduler', choices: ['ddim', 'euler'] },
  device: { type: 'string', help: 'execution provider', choices: ['auto', 'cpu', 'cuda', 'webgpu'] },
  warmup: { type: 'string', help: 'warm-up runs per variant (not counted; the first is reported as firstCall)' },
  repeats: { type: 'string', help: 'measured runs per variant' },
  'sample-interval': { type: 'string', help: 'memory sampling interval in whole ms, at most 60000 (0 turns sampling off)' },
  profile: { type: 'boolean', help: 'add a separate ORT profiling pass per variant (top operators per stage)' },
  out: { type: 'string', help: 'folder for results files', default: 'results' },
  'save-frames': { type: 'string', help: 'also write every variant\'s frames as PNG files and a contact sheet into this folder' },
  'cache-interval': { type: 'string', help: 'DeepCache: a full UNet pass every N steps' },
  'cache-branch': { type: 'string', help: 'DeepCache: skip branch whose up-path feature is cached (0 = shallowest)' },
  schedule: { type: 'string', help: 'DeepCache full-step schedule', choices: ['uniform', 'non-uniform'] },
  center: { type: 'string', help: 'non-uniform schedule: step where full steps are densest' },
  power: { type: 'string', help: 'non-uniform schedule: starting exponent (> 1)' },
  chunks: { type: 'string', help: 'FME chunk counts as <batch×frames>x<spatial>, e.g. 9x2' },
  'token-chunks': { type: 'string', help: 'diffusion transformers: FME slices of the token axis for fme, lightcache-chunk, lightcache and a run-time cache\'s +chunk (default 4, at most the model\'s image tokens)' },
  'slice-frames': { type: 'string', help: 'LightCache slice: frames decoded per VAE call' },
  threshold: { type: 'string', help: "run-time caches: first-block-cache reuses while the first block's residual changes by at most this (relative L1, default 0.05); teacache skips while its accumulated rescaled change stays under it (default 0.08); mag-cache reuses while its accumulated magnitude-ratio error is at most this (default 0.06)" },
  'spatial-attention-block-skip-range': { type: 'string', help: 'pab: spatial (self-) attention computes at every N-th transformer call inside its timestep range, reused between (default 2 when neither block skip range is given), or "none" to always compute it' },
  'spatial-attention-timestep-skip-range': { type: 'string', help: 'pab: LOW,HIGH: spatial attention may be reused while LOW < timestep < HIGH (default 100,800)' },
  'cross-attention-block-skip-range': { type: 'string', help: 'pab: cross-attention computes at every N-th transformer call inside its timestep range (default none: always computed)' },
  'cross-attention-timestep-skip-range': { type: 'string', help: 'pab: LOW,HIGH: cross-attention may be reused while LOW < timestep < HIGH (default 100,800)' },
  'max-skip-steps': { type: 'string', help: 'mag-cache: the most consecutive steps counted towards a reuse (default 3)' },
  'retention-ratio': { type: 'string', help: 'mag-cache: the fraction of the first steps that always compute, 0 to 1 (default 0.2)' },
  'cpu-mem-arena': { type: 'string', help: 'ORT CPU memory arena', choices: ON_OFF },
  'mem-pattern': { type: 'string', help: 'ORT memory pattern planning', choices: ON_OFF },
  'fuse-attention': { type: 'string', help: 'attention as one fused operator (ORT MultiHeadAttention), as deployed; off keeps MatMul-Softmax-MatMul', choices: ON_OFF },
  'graph-opt': { type: 'string', help: 'ORT graph optimisation level', choices: ['disabled', 'basic', 'extended', 'all'] },
  'intra-op-threads': { type: 'string', help: 'ORT intra-op threads (0 = ORT default)' },
  'inter-op-threads': { type: 'string', help: 'ORT inter-op threads (0 = ORT default)' },
  'mmap-threshold': { type: 'string', help: 'MALLOC_MMAP_THRESHOLD_ in bytes for each child, or "default" for glibc\'s sliding threshold' },
  shard: { type: 'string', help: 'run shard i of n of the suite\'s (model, variant) pairs, as i/n (1-based)' },
  'max-rss': { type: 'string', help: 'kill a variant whose resident memory passes this many MiB (it becomes an error result)' },
  'no-progress': { type: 'boolean', help: 'no live progress display' },
  help: { type: 'boolean', help: 'show this help' },
};

const command = 'run';

/**
 * One `--variants` item: a variant, or a run-time cache with LightCache's switches after it
 * (`first-block-cache+swap+chunk`, `teacache+lightcache` for all three), recorded under the name as written.
 */
function variantEntryOf(item: string): NonNullable<SuiteFile['variants']>[number] {
  const [name = '', ...switches] = item.split('+');
  const accepted = `${VARIANT_NAMES.join(', ')}; a DiT cache (${SWITCHABLE_CACHE_VARIANTS.join(', ')}) may add +swap, +chunk, +slice or +lightcache (all three; pab takes +swap and +slice)`;
  if (!isVariantName(name)) throw new HarnessError('bad-arguments', `lightbench run: --variants "${item}" is not accepted; accepted: ${accepted}`);
  if (!switches.length) return name;
  if (!SWITCHABLE_CACHE_VARIANTS.includes(name)) {
    throw new HarnessError('bad-arguments', `lightbench run: --variants "${item}": only DiT caches (${SWITCHABLE_CACHE_VARIANTS.join(', ')}) take LightCache's switches; lightcache-swap, lightcache-chunk and lightcache-slice set them by name`);
  }
  const entry: { name: string; variant: VariantName; swap?: boolean; chunk?: boolean; slice?: boolean } = { name: item, variant: name };
  for (const key of switches) {
    if (key === 'lightcache') Object.assign(entry, { swap: true, chunk: true, slice: true });
    else if ((LIGHTCACHE_SWITCHES as readonly string[]).includes(key)) entry[key as 'swap' | 'chunk' | 'slice'] = true;
    else throw new HarnessError('bad-arguments', `lightbench run: --variants "${item}": "+${key}" is not a switch; accepted: +swap, +chunk, +slice, +lightcache`);
  }
  return entry;
}

/** Turns flags into suite overrides (every value checked, every message naming the flag). */
export function overridesFromOptions(options: ParsedOptions): SuiteFile {
  const s = (name: string) => options[name] as string | undefined;
  // The same bounds as a suite file's fields, so a value means the same on the command line and in a suite.
  const int = (name: string, limit: { min: number; max: number }) => integerOption(command, name, s(name), limit.min, limit.max);
  const num = (name: string, limit: { min: number; max: number }) => numberOption(command, name, s(name), limit.min, limit.max);
  const L = NUMERIC_LIMITS;
  const skipRange = (name: string) => (s(name) === 'none' ? null : integerOption(command, name, s(name), 1, PAB_LIMITS.blockSkipRange));
  const timestepRange = (name: string): [number, number] | undefined => {
    const text = s(name);
    if (text === undefined) return undefined;
    const parts = text.split(',');
    const [low, high] = parts.map((part) => numberOption(command, name, part.trim(), 0, PAB_LIMITS.timestep)!);
    if (parts.length !== 2 || low! > high!) throw new HarnessError('bad-arguments', `lightbench ${command}: --${name} "${text}" is not accepted; accepted: LOW,HIGH with 0 ≤ LOW ≤ HIGH ≤ ${PAB_LIMITS.timestep}, e.g. 100,800`);
    return [low!, high!];
  };
  const model = s('preset') ?? s('model');
  const variants = s('variants')
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (variants?.length === 0) {
    throw new HarnessError('bad-arguments', `lightbench run: --variants "${s('variants')}" names no variant; accepted: a comma-separated list of ${VARIANT_NAMES.join(', ')}`);
  }
  const variantEntries = variants?.map(variantEntryOf);
  const chunksText = s('chunks');
  if (chunksText !== undefined && !/^[1-9]\d*x[1-9]\d*$/.test(chunksText)) {
    throw new HarnessError('bad-arguments', `lightbench run: --chunks "${chunksText}" is not accepted; expected <batch×frames>x<spatial> with positive integers, e.g. 9x2`);
  }
  const onOff = (name: string) => (s(name) === undefined ? undefined : s(name) === 'on');
  const mmap = s('mmap-threshold');
  const maxRssMiB = num('max-rss', { min: L.maxRssBytes.min / 2 ** 20, max: L.maxRssBytes.max / 2 ** 20 });
  const session: NonNullable<SuiteFile['session']> = {};
  if (onOff('cpu-mem-arena') !== undefined) session.cpuMemArena = onOff('cpu-mem-arena')!;
  if (onOff('mem-pattern') !== undefined) session.memPattern = onOff('mem-pattern')!;
  if (onOff('fuse-attention') !== undefined) session.fuseAttention = onOff('fuse-attention')!;
  if (s('graph-opt')) session.graphOptimizationLevel = s('graph-opt') as NonNullable<SuiteFile['session']>['graphOptimizationLevel'];
  if (s('intra-op-threads') !== undefined) session.intraOpThreads = int('intra-op-threads', L.threads)!;
  if (s('inter-op-threads') !== undefined) session.interOpThreads = int('inter-op-threads', L.threads)!;
  if (mmap !== undefined) session.mallocMmapThreshold = mmap === 'default' ? null : int('mmap-threshold', L.mallocMmapThreshold)!;
  const overrides: SuiteFile = {
    ...(model ? { models: [model] } : {}),
    ...(variantEntries ? { variants: variantEntries } : {}),
    steps: int('steps', L.steps),
    frames: int('frames', L.frames),
    seed: int('seed', L.seed),
    prompt: s('prompt'),
    image: s('image'),
    negativePrompt: s('negative-prompt'),
    guidanceScale: num('guidance-scale', L.guidanceScale),
    scheduler: s('scheduler') as SuiteFile['scheduler'],
    device: s('device') as SuiteFile['device'],
    warmup: int('warmup', L.warmup),
    repeats: int('repeats', L.repeats),
    sampleIntervalMs: int('sample-interval', L.sampleIntervalMs),
    ...(options.profile ? { profile: true } : {}),
    cacheInterval: int('cache-interval', L.cacheInterval),
    cacheBranch: int('cache-branch', L.cacheBranch),
    schedule: s('schedule') as SuiteFile['schedule'],
    center: int('center', L.center),
    power: num('power', L.power),
    chunks: chunksText,
    tokenChunks: int('token-chunks', L.tokenChunks),
    sliceFrames: int('slice-frames', L.sliceFrames),
    threshold: num('threshold', L.threshold),
    spatialAttentionBlockSkipRange: skipRange('spatial-attention-block-skip-range'),
    spatialAttentionTimestepSkipRange: timestepRange('spatial-attention-timestep-skip-range'),
    crossAttentionBlockSkipRange: skipRange('cross-attention-block-skip-range'),
    crossAttentionTimestepSkipRange: timestepRange('cross-attention-timestep-skip-range'),
    maxSkipSteps: int('max-skip-steps', L.maxSkipSteps),
    retentionRatio: num('retention-ratio', L.retentionRatio),
    ...(maxRssMiB !== undefined ? { maxRssBytes: Math.round(maxRssMiB * 2 ** 20) } : {}),
    ...(Object.keys(session).length ? { session } : {}),
  };
  return Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as SuiteFile;
}

export async function main(argv: string[]): Promise<number> {
  const { options } = parseCommandArguments(command, argv, RUN_OPTIONS);
  if (options.help) {
    process.stdout.write(`usage: lightbench run [options]\n\n${formatOptionsHelp(RUN_OPTIONS)}\n`);
    return 0;
  }
  const overrides = overridesFromOptions(options);
  const suiteFile = await loadSuite(options.suite as string);
  const modelDir = defaultModelDir();
  const planned = planSuite(suiteFile, overrides, await loadUserModels(suiteFile, overrides, modelDir));
  if (options.shard) {
    const { parseShardSpec, selectShard } = await import('./shard-plan.ts');
    const shard = parseShardSpec(options.shard as string);
    planned.pairs = selectShard(planned.pairs, shard.index, shard.count);
    planned.suite.shard = { index: shard.index, count: shard.count };
  }
  // Before anything is built or measured: a folder that cannot take the results would lose them all at the end.
  const outDir = await assertWritableFolder('--out', options.out as string);
  if (options['save-frames']) await assertWritableFolder('--save-frames', options['save-frames'] as string);
  const progress = options['no-progress'] ? undefined : createProgressDisplay();
  const { run, path } = await runSuite({ planned, outDir, modelDir, saveFramesDir: (options['save-frames'] as string | undefined) ?? null, ...(progress ? { progress } : {}) });
  process.stdout.write(`\n${formatSummary(run)}\n\nresults: ${path}\n`);
  return run.variants.some((v) => v.status === 'error') ? 1 : 0;
}
