import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { readConditioningImage } from '../pipelines/conditioning-image.ts';
import { attentionFormFor } from '../pipelines/attention-form.ts';
import { loadDitManifest, manifestKind } from '../pipelines/models/dit-manifest.ts';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { DIT_PRESETS, DIT_PRESET_NAMES, getDitPreset } from '../pipelines/models/dit-presets.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { PRESETS, getPreset } from '../pipelines/models/presets.ts';
import type { ModelPreset, UserDitSource, UserModelSource } from '../pipelines/models/types.ts';
import { ANIMATEDIFF_DDIM_CONFIG, SD_EULER_CONFIG, parseSchedulerConfig } from '../pipelines/schedulers/scheduler-config.ts';
import type { SchedulerConfig } from '../pipelines/schedulers/types.ts';
import { fullStepIndices } from '../pipelines/deepcache-schedule.ts';
import { ditCacheBranches } from '../pipelines/user-model-files.ts';
import { PAB_LIMITS, RUNTIME_CACHE_THRESHOLDS, SWITCHABLE_CACHE_VARIANTS, UNET_VARIANT_NAMES, VARIANT_NAMES, presetTarget, resolveVariant } from '../pipelines/variants.ts';
import type { VariantName, VariantOverrides, VariantTarget } from '../pipelines/variants.ts';
import type { VariantConfig } from '../pipelines/types.ts';
import { HarnessError } from './harness-error.ts';
import type { ModelArchitecture, ResolvedSuite, VariantSpec } from './results-schema.ts';
import { formatPath } from './results-file.ts';

/**
 * Bounds of every number a suite file or a flag can set, shared by both so they accept exactly the same values.
 * The upper bounds are far past any sensible run but keep a typo from hanging one (a million threads, a timer
 * interval Node cannot keep, a schedule longer than the run).
 */
export const NUMERIC_LIMITS = {
  steps: { min: 1, max: 1000 },
  frames: { min: 1, max: 32 },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER },
  guidanceScale: { min: 0, max: 100 },
  warmup: { min: 0, max: 100 },
  repeats: { min: 1, max: 1000 },
  sampleIntervalMs: { min: 0, max: 60_000 },
  cacheInterval: { min: 1, max: 1000 },
  cacheBranch: { min: 0, max: 1000 },
  center: { min: 0, max: 999 },
  power: { min: 1.0000001, max: 100 },
  sliceFrames: { min: 1, max: 32 },
  // A model's own token count bounds it further (checked when the variant is resolved against the model).
  tokenChunks: { min: 2, max: 1_000_000 },
  threshold: { min: 0, max: 1_000_000 },
  maxSkipSteps: { min: 0, max: 1000 },
  retentionRatio: { min: 0, max: 1 },
  threads: { min: 0, max: 256 },
  // glibc caps M_MMAP_THRESHOLD at 32 MiB on 64-bit machines and ignores larger values.
  mallocMmapThreshold: { min: 0, max: 32 * 2 ** 20 },
  maxRssBytes: { min: 2 ** 20, max: 2 ** 50 },
} as const;

const L = NUMERIC_LIMITS;
const int = (limit: { min: number; max: number }) => z.number().int().min(limit.min).max(limit.max);

const chunkCounts = z.union([
  z.strictObject({ batchFrames: z.number().int().min(1), spatial: z.number().int().min(1) }),
  z.string().regex(/^\d+x\d+$/, 'expected "<batch×frames chunks>x<spatial chunks>", e.g. "9x2"'),
]);

const pabSkip = z.number().int().min(1).max(PAB_LIMITS.blockSkipRange).nullable().optional();
const pabRange = z
  .tuple([z.number().min(0).max(PAB_LIMITS.timestep), z.number().min(0).max(PAB_LIMITS.timestep)])
  .refine(([low, high]) => low <= high, 'expected [low, high] with low ≤ high')
  .optional();
const pabParameters = {
  spatialAttentionBlockSkipRange: pabSkip.describe('pab: spatial (self-) attention computes at every N-th transformer call inside its timestep range and is reused between (default 2 when no block skip range is given; null: always computed)'),
  spatialAttentionTimestepSkipRange: pabRange.describe('pab: spatial attention may be reused while low < timestep < high (default [100, 800])'),
  crossAttentionBlockSkipRange: pabSkip.describe('pab: cross-attention computes at every N-th transformer call inside its timestep range (default null: always computed)'),
  crossAttentionTimestepSkipRange: pabRange.describe('pab: cross-attention may be reused while low < timestep < high (default [100, 800])'),
};

const variantParameters = {
  cacheInterval: int(L.cacheInterval).optional(),
  cacheBranch: int(L.cacheBranch).optional(),
  schedule: z.enum(['uniform', 'non-uniform']).optional(),
  center: int(L.center).optional(),
  power: z.number().gt(1).max(L.power.max).optional(),
  chunks: chunkCounts.optional(),
  tokenChunks: int(L.tokenChunks).optional().describe('diffusion transformers: slices of the token axis for fme, lightcache-chunk, lightcache and run-time caches with chunk: true (default 4, at most the model\'s image tokens)'),
  sliceFrames: int(L.sliceFrames).optional(),
  threshold: z.number().min(L.threshold.min).max(L.threshold.max).optional().describe('run-time caches: first-block-cache reuses the remaining blocks while the relative L1 change of the first block\'s residual is at or under it (default 0.05); teacache skips the blocks while the accumulated rescaled change of the timestep embedding is under it (default 0.08); mag-cache skips the blocks while its accumulated magnitude-ratio error is at or under it (default 0.06)'),
  ...pabParameters,
  maxSkipSteps: int(L.maxSkipSteps).optional().describe('mag-cache: the most consecutive steps counted towards a reuse (diffusers\' max_skip_steps, default 3)'),
  retentionRatio: z.number().min(L.retentionRatio.min).max(L.retentionRatio.max).optional().describe('mag-cache: the fraction of the first steps that always compute (diffusers\' retention_ratio, default 0.2)'),
};

/**
 * One variant entry: `name` is a variant (first-block-cache), or with `variant` given, a name of the entry's own
 * (fbc-0.1) so one variant can run several times in a suite with different parameters.
 */
const variantEntry = z
  .strictObject({
    name: z.string().min(1).describe(`a variant (${VARIANT_NAMES.join(', ')}), or with variant given, this entry's own name, unique in the suite`),
    variant: z.enum(VARIANT_NAMES).optional().describe('the variant this entry runs, when its name is its own (e.g. name: fbc-0.1, variant: first-block-cache, threshold: 0.1)'),
    ...variantParameters,
    swap: z.boolean().optional().describe(`DiT caches (${SWITCHABLE_CACHE_VARIANTS.join(', ')}): each stage loads its models and releases them at its end (LightCache's swap)`),
    chunk: z.boolean().optional().describe('run-time caches: the transformer graphs run over slices of the token axis (LightCache\'s chunk; tokenChunks sets how many)'),
    slice: z.boolean().optional().describe('run-time caches: the causal VAE decodes one latent frame per call (LightCache\'s slice)'),
  })
  .superRefine((entry, context) => {
    if (entry.variant === undefined && !(VARIANT_NAMES as readonly string[]).includes(entry.name)) {
      context.addIssue({ code: 'custom', path: ['name'], message: `unknown variant "${entry.name}"; accepted: ${VARIANT_NAMES.join(', ')}, or a name of your own with variant: <one of those>` });
    }
  });

/** A suite file as written by a user (YAML or JSON); everything is optional and takes the defaults below. */
export const SuiteFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  variants: z.array(z.union([z.enum(VARIANT_NAMES), variantEntry])).min(1).optional(),
  device: z.enum(['auto', 'cpu', 'cuda', 'webgpu']).optional(),
  steps: int(L.steps).optional(),
  frames: int(L.frames).optional(),
  seed: int(L.seed).optional(),
  prompt: z.string().optional(),
  image: z.string().min(1).optional().describe('image-to-video models: a PNG conditioning image of the size their VAE encoder takes (default: one drawn from the seed)'),
  negativePrompt: z.string().optional(),
  guidanceScale: z.number().min(L.guidanceScale.min).max(L.guidanceScale.max).optional(),
  scheduler: z.union([z.enum(['ddim', 'euler']), z.record(z.string(), z.unknown())]).optional(),
  warmup: int(L.warmup).optional(),
  repeats: int(L.repeats).optional(),
  // Whole milliseconds: the GPU loop (nvidia-smi -lms) takes no fractions, and the file records what was used.
  sampleIntervalMs: int(L.sampleIntervalMs).optional(),
  profile: z.boolean().optional(),
  maxRssBytes: int(L.maxRssBytes).nullable().optional(),
  session: z
    .strictObject({
      cpuMemArena: z.boolean().optional(),
      memPattern: z.boolean().optional(),
      graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
      intraOpThreads: int(L.threads).optional(),
      interOpThreads: int(L.threads).optional(),
      mallocMmapThreshold: int(L.mallocMmapThreshold).nullable().optional(),
      fuseAttention: z.boolean().optional().describe('attention as one fused operator (ORT MultiHeadAttention) in built and user graphs; default true'),
    })
    .optional(),
  ...variantParameters,
});

/** A suite file's contents. */
export type SuiteFile = z.infer<typeof SuiteFileSchema>;

/** Where the committed JSON Schema of suite files lives (editors can validate YAML/JSON suites with it). */
export const SUITE_JSON_SCHEMA_PATH = fileURLToPath(new URL('../schemas/suite.schema.json', import.meta.url));

/** The exact text of the committed suite schema file. */
export function suiteJsonSchemaText(): string {
  const { $schema, ...rest } = z.toJSONSchema(SuiteFileSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ $schema, title: 'lightbench suite file', description: 'Models, variants, device, repeats and session settings of a benchmark run; every field optional.', ...rest }, null, 2)}\n`;
}

/** Peaks that reflect what a variant needs: no CPU arena, glibc's mmap threshold fixed so freed blocks go back. */
export const MEASURED_SESSION = { cpuMemArena: false, memPattern: true, graphOptimizationLevel: 'all', intraOpThreads: 0, interOpThreads: 0, mallocMmapThreshold: 131072, fuseAttention: true } as const;
/** ONNX Runtime's defaults, as deployed. */
export const DEPLOYED_SESSION = { cpuMemArena: true, memPattern: true, graphOptimizationLevel: 'all', intraOpThreads: 0, interOpThreads: 0, mallocMmapThreshold: null, fuseAttention: true } as const;

/**
 * The DiT caches side by side on dit-small: the schedule caches, each run-time cache at its default threshold and
 * at two that reuse steps on dit-small's random weights (whose changes are far larger than a trained model's: the
 * first block's residual moves 0.6–1.0 a step, TeaCache's rescaled change hundreds to thousands), and the run-time
 * caches with LightCache's switches at their defaults. One warm-up and one measured run each keep it to minutes on
 * CPU (time ratios of single runs are noisy; raise repeats to gate on them).
 */
const DIT_CACHES_SUITE: SuiteFile = {
  name: 'dit-caches',
  models: ['dit-small'],
  variants: [
    'baseline',
    'deepcache',
    'lightcache',
    { name: 'first-block-cache', threshold: RUNTIME_CACHE_THRESHOLDS['first-block-cache'] },
    { name: 'first-block-cache-0.7', variant: 'first-block-cache', threshold: 0.7 },
    { name: 'first-block-cache-1.0', variant: 'first-block-cache', threshold: 1.0 },
    { name: 'teacache', threshold: RUNTIME_CACHE_THRESHOLDS.teacache },
    { name: 'teacache-1500', variant: 'teacache', threshold: 1500 },
    { name: 'teacache-3000', variant: 'teacache', threshold: 3000 },
    { name: 'mag-cache', threshold: RUNTIME_CACHE_THRESHOLDS['mag-cache'] },
    { name: 'mag-cache-0.02', variant: 'mag-cache', threshold: 0.02 },
    { name: 'mag-cache-0.2', variant: 'mag-cache', threshold: 0.2 },
    'pab',
    // Both attention kinds reused over the whole run: pab's most aggressive setting on this model.
    { name: 'pab-spatial-3-cross-2', variant: 'pab', spatialAttentionBlockSkipRange: 3, spatialAttentionTimestepSkipRange: [0, 1000], crossAttentionBlockSkipRange: 2, crossAttentionTimestepSkipRange: [0, 1000] },
    { name: 'first-block-cache+lightcache', variant: 'first-block-cache', swap: true, chunk: true, slice: true },
    { name: 'teacache+lightcache', variant: 'teacache', swap: true, chunk: true, slice: true },
    { name: 'mag-cache+lightcache', variant: 'mag-cache', swap: true, chunk: true, slice: true },
    { name: 'pab+swap+slice', variant: 'pab', swap: true, slice: true },
  ],
  warmup: 1,
  repeats: 1,
  session: MEASURED_SESSION,
};

/**
 * The built-in suites: `default` measures what each variant needs, `deployed` measures ORT's defaults, `ablation`
 * runs every variant, `dit-caches` the diffusion-transformer caches and their thresholds.
 */
export const BUILTIN_SUITES: Readonly<Record<string, SuiteFile>> = {
  default: { name: 'default', models: ['small'], variants: ['baseline', 'deepcache', 'lightcache'], session: MEASURED_SESSION },
  deployed: { name: 'deployed', models: ['small'], variants: ['baseline', 'deepcache', 'lightcache'], session: DEPLOYED_SESSION },
  ablation: { name: 'ablation', models: ['small'], variants: [...UNET_VARIANT_NAMES], session: MEASURED_SESSION },
  'dit-caches': DIT_CACHES_SUITE,
};

const DEFAULTS = {
  device: 'cpu',
  seed: 42,
  prompt: 'a corgi running on a beach at sunset, cinematic',
  negativePrompt: '',
  warmup: 1,
  repeats: 3,
  sampleIntervalMs: 10,
  profile: false,
} as const;

/**
 * Where a suite's model comes from: a built-in U-Net preset, a user's manifest loaded and checked, or a built-in
 * diffusion-transformer preset materialised as a manifest in the model cache (it runs as a manifest does).
 */
export type ModelSource = { kind: 'preset'; preset: ModelPreset } | { kind: 'user'; model: UserModelSource | UserDitSource } | { kind: 'dit-preset'; model: UserDitSource };

/** Variants that run on diffusion transformers (manifests and DiT presets); the others are refused before anything runs. */
export const DIT_VARIANT_KINDS: readonly VariantName[] = ['baseline', 'deepcache', 'fme', 'lightcache', 'lightcache-swap', 'lightcache-chunk', 'lightcache-slice', 'first-block-cache', 'teacache', 'mag-cache', 'pab'];
/** What a diffusion transformer runs when the suite names no variants: the default suite's three. */
export const DIT_DEFAULT_VARIANTS: readonly VariantName[] = ['baseline', 'deepcache', 'lightcache'];

/** Where built models are cached: LIGHTBENCH_CACHE_DIR, else .lightbench-cache/models under the working directory. */
export function defaultModelDir(): string {
  return resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
}

/** A suite ready to run: the recorded form plus what each child needs. */
export interface PlannedSuite {
  suite: ResolvedSuite;
  scheduler: SchedulerConfig;
  maxRssBytes: number | null;
  /** Per model, its variants resolved against the model. */
  pairs: { model: string; source: ModelSource; variant: VariantConfig; spec: VariantSpec }[];
}

/** True when a suite's model entry names a manifest file rather than a preset. */
export function isManifestReference(model: string): boolean {
  return !Object.hasOwn(PRESETS, model) && !Object.hasOwn(DIT_PRESETS, model) && (/\.(json|ya?ml)$/i.test(model) || existsSync(model));
}

/**
 * Loads every manifest a suite's models (and overrides) name, keyed by the entry as written. A DiT preset is built
 * into `modelDir` (at the suite's frames, with the attention form its session and device ask for) and loaded as the
 * manifest written there.
 */
export async function loadUserModels(file: SuiteFile, overrides: SuiteFile = {}, modelDir = defaultModelDir()): Promise<Map<string, UserModelSource | UserDitSource>> {
  const loaded = new Map<string, UserModelSource | UserDitSource>();
  for (const model of overrides.models ?? file.models ?? []) {
    if (Object.hasOwn(DIT_PRESETS, model)) {
      const preset = getDitPreset(model);
      const session = { ...MEASURED_SESSION, ...file.session, ...overrides.session };
      const device = overrides.device ?? file.device ?? 'cpu';
      // `auto` resolves later; the pipeline rebuilds for the other form if the device it settles on needs it.
      const attention = attentionFormFor(session, device === 'webgpu' ? 'webgpu' : 'cpu');
      loaded.set(model, await loadDitPreset(modelDir, { ...preset, frames: overrides.frames ?? file.frames ?? preset.frames }, attention));
      continue;
    }
    if (!isManifestReference(model)) continue;
    // The kind is read first only to pick the loader; a file that cannot be read is reported by loadModelManifest.
    const kind = existsSync(model) ? await manifestKind(model).catch(() => undefined) : undefined;
    loaded.set(model, kind === 'text-to-video-dit' ? await loadDitManifest(model) : await loadModelManifest(model));
  }
  return loaded;
}

// The image is read once here so that a missing file or a wrong size stops the run before anything is measured.
function checkedImage(path: string, model: UserModelSource | UserDitSource | undefined): string {
  if (model?.kind !== 'image-to-video') {
    throw new HarnessError('bad-suite', `image: only image-to-video models take a conditioning image; ${model ? `model ${model.name} is text-to-video` : 'built-in presets are text-to-video'}`);
  }
  const [, , height, width] = model.vaeEncoder.inputs.sample.shape ?? [];
  if (typeof height !== 'number' || typeof width !== 'number') throw new HarnessError('bad-suite', `image: the VAE encoder of model ${model.name} states no image size`);
  readConditioningImage(path, height, width);
  return resolve(path);
}

function userTarget(model: UserModelSource | UserDitSource): VariantTarget {
  if (model.kind === 'text-to-video-dit') {
    // A causal decoder slices through its per-frame graphs, one latent frame per call.
    const causal = model.vaeDecoder.causalFrames !== null;
    return {
      name: model.name,
      cacheBranches: ditCacheBranches(model),
      fixedDecodeFrames: causal ? 1 : model.vaeDecoder.framesPerCall,
      ...(causal ? { fixedDecodeSource: 'vaeDecoder.causalFrames: one latent frame per call, its cache carried' } : {}),
      tokens: model.denoiser.tokens.image,
      runtimeCaches: model.denoiser.architecture.blocks.count >= 2 ? ['first-block-cache', ...(model.denoiser.teaCache ? (['teacache'] as const) : []), 'mag-cache'] : [],
      ...(model.denoiser.magCache ? { magRatios: model.denoiser.magCache.ratios } : {}),
    };
  }
  return { name: model.name, cacheBranches: model.unet.cutPoints.map((p) => p.branch).sort((a, b) => a - b), fixedDecodeFrames: model.vaeDecoder.framesPerCall };
}

/** What kind of denoiser a suite's model has, recorded so reports can say what each variant did to it. */
function modelArchitecture(source: ModelSource): ModelArchitecture {
  if (source.kind === 'preset') return { family: 'unet', description: source.preset.description };
  const model = source.model;
  if (model.kind !== 'text-to-video-dit') return { family: 'unet', description: model.description ?? `${model.kind} U-Net from ${model.manifestPath}` };
  const { blocks, textConditioning } = model.denoiser.architecture;
  return { family: 'dit', blocks: blocks.count, description: model.description ?? `text-to-video diffusion transformer, ${blocks.count} blocks (${textConditioning} text conditioning)` };
}

function chunksOf(value: z.infer<typeof chunkCounts> | undefined) {
  if (value === undefined || typeof value === 'object') return value;
  const [batchFrames, spatial] = value.split('x').map(Number) as [number, number];
  return { batchFrames, spatial };
}

/** Loads a suite by built-in name or file path, validating it with messages that name the field. */
export async function loadSuite(nameOrPath: string): Promise<SuiteFile> {
  // Own keys only: "toString" or "constructor" is a file name here, not a suite inherited from Object.
  if (Object.hasOwn(BUILTIN_SUITES, nameOrPath)) return BUILTIN_SUITES[nameOrPath]!;
  if (!existsSync(nameOrPath)) {
    throw new HarnessError('bad-suite', `suite "${nameOrPath}" is neither a built-in suite (${Object.keys(BUILTIN_SUITES).join(', ')}) nor a file`);
  }
  const text = await readFile(nameOrPath, 'utf8');
  let data: unknown;
  try {
    data = nameOrPath.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new HarnessError('bad-suite', `${nameOrPath}: not valid ${nameOrPath.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return parseSuite(data, nameOrPath);
}

export function parseSuite(data: unknown, source: string): SuiteFile {
  const parsed = SuiteFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HarnessError('bad-suite', `${source}: ${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

function toSpec(config: VariantConfig): VariantSpec {
  const spec: VariantSpec = { name: config.name, kind: config.kind };
  if (config.cache) Object.assign(spec, { cacheInterval: config.cache.interval, cacheBranch: config.cache.branch, schedule: config.cache.schedule, ...(config.cache.schedule === 'non-uniform' ? { center: config.cache.center, power: config.cache.power } : {}) });
  // A transformer's chunking is over tokens only: its batch×frames and spatial counts would mean nothing.
  if (config.chunks) Object.assign(spec, config.tokenChunks === undefined ? { chunks: config.chunks } : { tokenChunks: config.tokenChunks });
  if (config.sliceFrames !== null) spec.sliceFrames = config.sliceFrames;
  if (config.kind === 'lightcache') Object.assign(spec, { swap: config.swap, chunk: config.chunks !== null, slice: config.sliceFrames !== null });
  // A run-time cache records LightCache's switches only when one is on, so plain runs read as before.
  if ((config.runtimeCache || config.attentionBroadcast) && (config.swap || config.chunks !== null || config.sliceFrames !== null)) Object.assign(spec, { swap: config.swap, chunk: config.chunks !== null, slice: config.sliceFrames !== null });
  if (config.runtimeCache) spec.threshold = config.runtimeCache.threshold;
  if (config.attentionBroadcast) Object.assign(spec, config.attentionBroadcast);
  const mag = config.runtimeCache?.magCache;
  if (mag) Object.assign(spec, { maxSkipSteps: mag.maxSkipSteps, retentionRatio: mag.retentionRatio, ...(mag.ratios ? { magRatios: mag.ratios } : {}), magRatiosSource: mag.ratiosSource });
  return spec;
}

function ditRefusal(model: UserDitSource, variants: string[]): string {
  const what = model.builtFrom ? `a built-in diffusion-transformer preset` : `a diffusion transformer (kind "text-to-video-dit" in ${model.manifestPath})`;
  return `variants: ${variants.join(', ')} cannot run on model ${model.name} yet: it is ${what}; variants that run on DiT models: ${DIT_VARIANT_KINDS.join(', ')}`;
}

/** Resolves a suite (with command-line overrides laid over it) into what will run and what gets recorded. */
export function planSuite(file: SuiteFile, overrides: SuiteFile = {}, userModels: ReadonlyMap<string, UserModelSource | UserDitSource> = new Map()): PlannedSuite {
  const merged: SuiteFile = { ...file, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  merged.session = { ...MEASURED_SESSION, ...file.session, ...overrides.session };
  const modelEntries = merged.models ?? ['small'];
  const sources: ModelSource[] = modelEntries.map((m) => {
    const user = userModels.get(m);
    if (user) return user.kind === 'text-to-video-dit' && user.builtFrom ? { kind: 'dit-preset', model: user } : { kind: 'user', model: user };
    if (isManifestReference(m) || Object.hasOwn(DIT_PRESETS, m)) throw new HarnessError('bad-suite', `model "${m}" was not loaded before planning`);
    if (!Object.hasOwn(PRESETS, m)) throw new HarnessError('unknown-preset', `unknown preset "${m}"; accepted: ${[...Object.keys(PRESETS), ...DIT_PRESET_NAMES].join(', ')} (or a model manifest file)`);
    return { kind: 'preset', preset: getPreset(m) };
  });
  const userSource = sources.find((s) => s.kind !== 'preset');
  const user = userSource?.model;
  if (user && sources.length > 1) {
    const what = userSource.kind === 'dit-preset' ? 'a diffusion-transformer preset' : 'a model manifest';
    throw new HarnessError('bad-suite', `models: ${what} (${user.name}) runs alone in a suite, with its own scheduler and shapes; got ${modelEntries.length} models (${modelEntries.join(', ')})`);
  }
  const models = sources.map((s) => (s.kind === 'preset' ? s.preset.name : s.model.name));
  const first = sources[0]!;
  const steps = merged.steps ?? (first.kind !== 'preset' ? (first.model.defaultSteps ?? 25) : first.preset.defaultSteps);
  const frames = merged.frames ?? (first.kind !== 'preset' ? first.model.latent.frames : first.preset.frames);
  for (const source of sources) {
    if (source.kind === 'preset' && frames > source.preset.unet.motionMaxFrames) {
      throw new HarnessError('bad-suite', `frames ${frames} exceeds the motion modules' ${source.preset.unet.motionMaxFrames} positions of preset ${source.preset.name}`);
    }
    if (source.kind !== 'preset' && frames !== source.model.latent.frames) {
      throw new HarnessError('bad-suite', `frames ${frames}: model ${source.model.name} is exported for ${source.model.latent.frames} frames (latent.frames in ${source.model.manifestPath}); accepted: ${source.model.latent.frames}`);
    }
  }
  if (user && merged.scheduler !== undefined) {
    const where = user.kind === 'text-to-video-dit' && user.builtFrom ? "Wan's UniPC in flow-prediction mode" : `scheduler in ${user.manifestPath}`;
    throw new HarnessError('bad-suite', `scheduler: model ${user.name} brings its own scheduler (${where}); leave the suite's scheduler out`);
  }
  const scheduler = user
    ? user.scheduler
    : merged.scheduler === undefined || merged.scheduler === 'ddim'
      ? ANIMATEDIFF_DDIM_CONFIG
      : merged.scheduler === 'euler'
        ? SD_EULER_CONFIG
        : parseSchedulerConfig(merged.scheduler);
  if (!user && (scheduler.kind === 'flow-match-euler' || scheduler.kind === 'unipc')) {
    throw new HarnessError(
      'bad-suite',
      `scheduler: ${scheduler.kind} samples flow-matching (diffusion-transformer) models; the built-in presets are UNets that predict noise, so their schedulers are ddim, euler or a config of those kinds`,
    );
  }
  const suiteOverrides: VariantOverrides = {
    ...(merged.cacheInterval !== undefined ? { cacheInterval: merged.cacheInterval } : {}),
    ...(merged.cacheBranch !== undefined ? { cacheBranch: merged.cacheBranch } : {}),
    ...(merged.schedule !== undefined ? { schedule: merged.schedule } : {}),
    ...(merged.center !== undefined ? { center: merged.center } : {}),
    ...(merged.power !== undefined ? { power: merged.power } : {}),
    ...(merged.chunks !== undefined ? { chunks: chunksOf(merged.chunks)! } : {}),
    ...(merged.tokenChunks !== undefined ? { tokenChunks: merged.tokenChunks } : {}),
    ...(merged.sliceFrames !== undefined ? { sliceFrames: merged.sliceFrames } : {}),
    ...(merged.threshold !== undefined ? { threshold: merged.threshold } : {}),
    ...Object.fromEntries(Object.keys(pabParameters).flatMap((key) => (merged[key as keyof typeof pabParameters] !== undefined ? [[key, merged[key as keyof typeof pabParameters]]] : []))),
    ...(merged.maxSkipSteps !== undefined ? { maxSkipSteps: merged.maxSkipSteps } : {}),
    ...(merged.retentionRatio !== undefined ? { retentionRatio: merged.retentionRatio } : {}),
  };
  const dit = user?.kind === 'text-to-video-dit' ? user : null;
  const entries = (merged.variants ?? (dit ? [...DIT_DEFAULT_VARIANTS] : ['baseline', 'deepcache', 'lightcache'])).map((v) => (typeof v === 'string' ? { name: v } : v));
  // What an entry runs: its `variant`, else its name.
  const runs = (entry: { name: string; variant?: string }) => entry.variant ?? entry.name;
  // The baseline runs first so every other variant's frames can be compared with its frames.
  entries.sort((a, b) => Number(runs(b) === 'baseline') - Number(runs(a) === 'baseline'));
  // Checked before the variants are resolved against the model, whose own checks (cut points) would speak of UNets.
  const notOnDit = dit ? entries.filter((e) => !(DIT_VARIANT_KINDS as readonly string[]).includes(runs(e))).map((e) => e.name) : [];
  if (dit && notOnDit.length) throw new HarnessError('bad-suite', ditRefusal(dit, notOnDit));
  const pairs = sources.flatMap((source) =>
    entries.map((entry) => {
      const { name, variant: runsVariant, ...params } = entry as { name: string; variant?: string } & Record<string, unknown>;
      const target = source.kind === 'preset' ? presetTarget(source.preset) : userTarget(source.model);
      const resolved = resolveVariant(runsVariant ?? name, { ...suiteOverrides, ...params, ...(params.chunks !== undefined ? { chunks: chunksOf(params.chunks as string)! } : {}) }, target, frames, steps);
      const variant = { ...resolved, name };
      return { model: target.name, source, variant, spec: toSpec(variant) };
    }),
  );
  if (dit && !dit.vaeDecoder.causalFrames) {
    const refused = pairs.filter((p) => p.variant.sliceFrames !== null).map((p) => p.spec.name);
    if (refused.length) {
      throw new HarnessError(
        'bad-suite',
        `variants: ${refused.join(', ')} ${refused.length === 1 ? 'slices' : 'slice'} the decode, but model ${dit.name} has no per-frame causal decoder graphs (vaeDecoder.causalFrames in ${dit.manifestPath}); its decoder takes all latent frames at once. Export it with causalFrames, or run ${DIT_VARIANT_KINDS.filter((v) => v !== 'lightcache-slice' && v !== 'lightcache').join(', ')}`,
      );
    }
  }
  const seen = new Set<string>();
  for (const p of pairs) {
    // The full-step schedule is checked here (a centre outside the run, a schedule that cannot fit), before
    // any model is built, rather than in the child that would run it.
    if (p.variant.cache) fullStepIndices(steps, p.variant.cache);
    if (seen.has(`${p.model}/${p.spec.name}`)) throw new HarnessError('bad-suite', `variant "${p.spec.name}" is listed twice`);
    seen.add(`${p.model}/${p.spec.name}`);
  }
  const suite: ResolvedSuite = {
    name: merged.name ?? 'custom',
    models,
    variants: pairs.filter((p) => p.model === models[0]).map((p) => p.spec),
    device: merged.device ?? DEFAULTS.device,
    steps,
    frames,
    seed: merged.seed ?? DEFAULTS.seed,
    prompt: merged.prompt ?? DEFAULTS.prompt,
    ...(merged.image !== undefined ? { image: checkedImage(merged.image, user) } : {}),
    negativePrompt: merged.negativePrompt ?? DEFAULTS.negativePrompt,
    guidanceScale: merged.guidanceScale ?? (first.kind !== 'preset' ? first.model.guidanceScale : first.preset.guidanceScale),
    scheduler: { ...scheduler },
    warmup: merged.warmup ?? DEFAULTS.warmup,
    repeats: merged.repeats ?? DEFAULTS.repeats,
    sampleIntervalMs: merged.sampleIntervalMs ?? DEFAULTS.sampleIntervalMs,
    profile: merged.profile ?? DEFAULTS.profile,
    session: { ...MEASURED_SESSION, ...merged.session },
    ...(userSource?.kind === 'user' ? { modelManifests: { [userSource.model.name]: userSource.model.manifestPath } } : {}),
    modelArchitectures: Object.fromEntries(sources.map((s) => [s.kind === 'preset' ? s.preset.name : s.model.name, modelArchitecture(s)])),
  };
  return { suite, scheduler, maxRssBytes: merged.maxRssBytes ?? null, pairs };
}
