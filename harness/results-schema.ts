import { z } from 'zod';
import { HarnessError } from './harness-error.ts';

/*
 * The results file contract: one run of a suite, schema-versioned. Every object is strict so that a
 * misspelt field is an error rather than silently dropped data. z.number() already rejects NaN and
 * ±Infinity, which JSON cannot carry.
 */

export const SCHEMA_VERSION = 1;

export const STAGE_NAMES = ['load', 'encode', 'denoise', 'decode', 'total'] as const;

const ms = () => z.number().nonnegative();
const bytes = () => z.number().int().nonnegative();
const count = () => z.number().int().nonnegative();
const positiveCount = () => z.number().int().min(1);
const name = () => z.string().min(1);

export const StageNameSchema = z.enum(STAGE_NAMES);

export const SessionSettingsSchema = z
  .strictObject({
    cpuMemArena: z.boolean(),
    memPattern: z.boolean(),
    graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']),
    intraOpThreads: count().describe('0 = ONNX Runtime default'),
    interOpThreads: count().describe('0 = ONNX Runtime default'),
    mallocMmapThreshold: bytes().nullable().describe('MALLOC_MMAP_THRESHOLD_ in the child; null = glibc default'),
    fuseAttention: z.boolean().optional().describe('attention as one fused operator where the provider has one; absent in runs recorded before the setting existed, which ran unfused'),
  })
  .meta({ id: 'SessionSettings', description: 'ONNX Runtime session and allocator settings the child ran with.' });

export const VariantSpecSchema = z
  .strictObject({
    name: name().describe("e.g. 'lightcache-swap'"),
    kind: z.enum(['baseline', 'deepcache', 'fme', 'lightcache', 'first-block-cache', 'teacache', 'pab', 'mag-cache']),
    cacheInterval: positiveCount().optional(),
    cacheBranch: count().optional(),
    schedule: z.enum(['uniform', 'non-uniform']).optional(),
    center: z.number().nonnegative().optional(),
    power: z.number().positive().optional(),
    chunks: z.strictObject({ batchFrames: positiveCount(), spatial: positiveCount() }).optional(),
    tokenChunks: positiveCount().optional().describe('diffusion transformers: slices of the token axis (in place of chunks)'),
    sliceFrames: positiveCount().optional(),
    swap: z.boolean().optional(),
    chunk: z.boolean().optional(),
    slice: z.boolean().optional(),
    threshold: z.number().nonnegative().optional().describe('run-time caches: the change at or under which cached work is reused'),
    spatialAttentionBlockSkipRange: positiveCount().nullable().optional().describe('pab: spatial (self-) attention computes at every N-th transformer call inside its timestep range, reusing its last output between; null: always computed'),
    spatialAttentionTimestepSkipRange: z.tuple([z.number(), z.number()]).optional().describe('pab: the open timestep range inside which spatial attention may be reused'),
    crossAttentionBlockSkipRange: positiveCount().nullable().optional().describe('pab: cross-attention computes at every N-th transformer call inside its timestep range; null: always computed'),
    crossAttentionTimestepSkipRange: z.tuple([z.number(), z.number()]).optional().describe('pab: the open timestep range inside which cross-attention may be reused'),
    maxSkipSteps: count().optional().describe('mag-cache: the most consecutive steps counted towards a reuse'),
    retentionRatio: z.number().min(0).max(1).optional().describe('mag-cache: the fraction of the first steps that always compute'),
    magRatios: z.array(z.number().nonnegative()).min(1).optional().describe('mag-cache: the magnitude ratio per step it decided from (before interpolation to the step count)'),
    magRatiosSource: z.enum(['manifest', 'calibrated']).optional().describe("mag-cache: denoiser.magCache.ratios of the manifest, or calibrated on an uncached pass of the same model and inputs before the timed runs"),
  })
  .meta({ id: 'VariantSpec', description: 'One variant of the pipeline and its switches.' });

export const ThresholdSetSchema = z
  .strictObject({
    timePct: z.number().positive().optional().describe('smallest relative change of a median time that counts, in percent'),
    memoryPct: z.number().nonnegative().optional().describe('smallest relative change of a memory peak that counts, in percent'),
    fidelityPsnrDb: z.number().nonnegative().optional().describe('smallest PSNR change against the baseline that counts, in dB'),
  })
  .meta({ id: 'ThresholdSet', description: 'How large a change must be before `lightbench compare` reports it.' });

export const ModelArchitectureSchema = z
  .strictObject({
    family: z.enum(['unet', 'dit']).describe('a U-Net (AnimateDiff, SVD) or a diffusion transformer (Wan, EasyAnimate)'),
    blocks: positiveCount().optional().describe('diffusion transformers: the transformer blocks a block cache spans'),
    description: z.string().describe('what the model is, in a line'),
  })
  .meta({ id: 'ModelArchitecture', description: 'What kind of denoiser a model has, so reports can say what each variant did to it.' });

export const ResolvedSuiteSchema = z
  .strictObject({
    name: name(),
    models: z.array(name()).min(1),
    variants: z.array(VariantSpecSchema).min(1),
    device: z.enum(['cpu', 'cuda', 'webgpu', 'auto']),
    steps: positiveCount(),
    frames: positiveCount(),
    seed: z.number().int(),
    prompt: z.string(),
    image: z.string().optional().describe('image-to-video: the conditioning image file; absent when drawn from the seed'),
    negativePrompt: z.string(),
    guidanceScale: z.number().nonnegative(),
    scheduler: z.record(z.string(), z.unknown()),
    warmup: count(),
    repeats: positiveCount(),
    sampleIntervalMs: ms().describe('host/GPU sampling interval; 0 = off'),
    profile: z.boolean(),
    session: SessionSettingsSchema,
    shard: z
      .strictObject({ index: count(), count: positiveCount() })
      .refine((s) => s.index < s.count, { message: 'shard index must be below shard count', path: ['index'] })
      .optional()
      .describe('which part of the (model, variant) pairs this run measured; index is 0-based (the flag --shard 2/4 is index 1 of 4)'),
    modelManifests: z.record(name(), z.string()).optional().describe('user models: the manifest file each model name was read from'),
    modelArchitectures: z.record(name(), ModelArchitectureSchema).optional().describe('per model, its denoiser family (absent in results written before it was recorded)'),
    thresholds: z
      .strictObject({ default: ThresholdSetSchema.optional(), variants: z.record(name(), ThresholdSetSchema).optional() })
      .optional()
      .describe('regression thresholds of this suite; a variant entry overrides the default for that variant'),
  })
  .meta({ id: 'ResolvedSuite', description: 'The suite configuration after defaults and command-line overrides.' });

export const GpuInfoSchema = z
  .strictObject({
    name: z.string(),
    uuid: name(),
    memoryTotalBytes: bytes().optional().describe('absent when nvidia-smi did not report it (memoryTotalNote says why), never 0'),
    memoryTotalNote: z.string().optional(),
    driver: z.string(),
  })
  .meta({ id: 'GpuInfo' });

export const RunContextSchema = z
  .strictObject({
    machine: z.strictObject({
      cpuModel: z.string(),
      cores: positiveCount(),
      physicalCores: positiveCount(),
      memoryBytes: bytes(),
      os: z.string(),
      kernel: z.string(),
      arch: z.string(),
      hostname: z.string(),
      fingerprint: z.string().describe('stable hash of the hardware description, for grouping runs by machine'),
    }),
    gpus: z.array(GpuInfoSchema),
    gpuInfoNote: z.string().optional(),
    node: z.string(),
    onnxruntimeNode: z.string(),
    executionProvider: z.string(),
    providerNote: z.string().optional(),
    git: z.strictObject({ commit: z.string().regex(/^[0-9a-f]{7,64}$/), dirty: z.boolean() }).nullable(),
    gitNote: z.string().optional(),
  })
  .meta({ id: 'RunContext', description: 'Where and with what software the run happened.' });

export const StageStatsSchema = z
  .strictObject({
    samplesMs: z.array(ms()).min(1).describe('one sample per measured run, in run order'),
    medianMs: ms(),
    minMs: ms(),
    maxMs: ms(),
    meanMs: ms(),
    stdDevMs: ms().describe('sample standard deviation; 0 when n = 1'),
    ci95Ms: z
      .tuple([z.number(), z.number()])
      .describe('t-based 95% confidence interval of the mean; the lower bound may fall below 0 for few, noisy samples'),
    n: positiveCount(),
  })
  .superRefine((s, ctx) => {
    if (s.n !== s.samplesMs.length) {
      ctx.addIssue({ code: 'custom', path: ['n'], message: `n is ${s.n} but samplesMs has ${s.samplesMs.length} values` });
    }
    if (!(s.minMs <= s.medianMs && s.medianMs <= s.maxMs)) {
      ctx.addIssue({ code: 'custom', path: ['medianMs'], message: 'expected minMs <= medianMs <= maxMs' });
    }
    if (s.ci95Ms[0] > s.ci95Ms[1]) {
      ctx.addIssue({ code: 'custom', path: ['ci95Ms'], message: 'lower bound above upper bound' });
    }
  })
  .meta({ id: 'StageStats', description: 'Summary of one stage over the measured runs.' });

export const StepDecisionSchema = z
  .strictObject({
    method: z.enum(['first-block-cache', 'teacache', 'pab', 'mag-cache']),
    threshold: z.number().nonnegative().optional().describe('first-block-cache, teacache, mag-cache: the threshold the change was compared with; absent for pab'),
    calls: z
      .array(
        z.strictObject({
          call: z.enum(['negative', 'prompt', 'batch']).describe('the rows of the guided batch one call of the source pipeline covers'),
          computed: z.boolean().describe('true: the remaining blocks ran; false: their kept residual stood in'),
          change: z.number().nullable().describe('first-block-cache: relative L1 change of the first block\'s residual since the call\'s last computed step; teacache: the rescaled relative L1 change of the timestep embedding since the previous step; mag-cache: the step\'s magnitude ratio (measured, in its calibration pass); null on the first step'),
          accumulated: z.number().optional().describe('teacache: the accumulated rescaled change compared with the threshold; mag-cache: the accumulated error; absent on the steps it always computes'),
          accumulatedRatio: z.number().optional().describe('mag-cache: the product of the magnitude ratios since the call last computed'),
          skipSteps: count().optional().describe('mag-cache: steps counted since the call last computed, this one included (compared with maxSkipSteps)'),
          attention: z
            .array(
              z.strictObject({
                kind: z.enum(['spatial', 'cross']),
                computed: z.boolean().describe('true: this kind of attention ran in every block; false: each block\'s kept output was broadcast'),
                iteration: count().describe('the kind\'s transformer-call counter before this call'),
                inTimestepRange: z.boolean().describe('whether the step\'s timestep lay strictly inside the kind\'s timestep skip range'),
              }),
            )
            .optional()
            .describe('pab: each scheduled attention kind at this call; `computed` of the call is then true when none was reused'),
        }),
      )
      .min(1),
  })
  .meta({ id: 'StepDecision', description: 'What a run-time cache computed or reused at one step, per transformer call, and the change that decided it.' });

export const StepRecordSchema = z
  .strictObject({
    index: count(),
    timestep: z.number().describe('scheduler timestep (or noise conditioning value) of the step'),
    kind: z.enum(['full', 'cached']).describe('full: the whole denoiser ran (run-time caches: the remaining blocks ran for some call)'),
    ms: ms(),
    decision: StepDecisionSchema.optional(),
  })
  .meta({ id: 'StepRecord', description: 'One denoising step of one run.' });

export const HostMemoryStageSchema = z
  .strictObject({
    peakRssBytes: bytes(),
    startRssBytes: bytes(),
    deltaBytes: z.number().int().describe('peakRssBytes - startRssBytes'),
    peakSource: z.enum(['vmhwm', 'sampled']),
  })
  .meta({ id: 'HostMemoryStage', description: 'Resident memory of the child process during one stage.' });

const GpuStageMemorySchema = z.strictObject({
  peakUsedBytes: bytes(),
  idleUsedBytes: bytes().describe('device memory used before the child started'),
  deltaBytes: z.number().int().describe('peakUsedBytes - idleUsedBytes; negative when other processes released memory'),
  sampleCount: count(),
});

export const GpuMemorySchema = z
  .discriminatedUnion('status', [
    z.strictObject({
      status: z.literal('ok'),
      perGpu: z.array(
        z.strictObject({
          uuid: name(),
          name: z.string(),
          stages: z.partialRecord(StageNameSchema, GpuStageMemorySchema),
          processPeakBytes: bytes().optional().describe("peak of the child's own allocation, where the driver reports it"),
        }),
      ),
    }),
    z.strictObject({ status: z.literal('unavailable'), reason: z.string().min(1) }),
  ])
  .meta({ id: 'GpuMemory', description: 'Device memory per stage, keyed by GPU UUID.' });

export const TimelineSchema = z
  .strictObject({
    intervalMs: ms(),
    achievedSamplesPerSecond: z.number().nonnegative(),
    host: z.array(z.strictObject({ tMs: z.number(), rssBytes: bytes() })),
    gpu: z.array(
      z.strictObject({
        tMs: z.number(),
        uuid: name(),
        usedBytes: bytes().optional(),
        utilizationPct: z.number().min(0).max(100).optional(),
        powerW: z.number().nonnegative().optional(),
      }),
    ),
    marks: z.array(
      z.strictObject({
        tMs: z.number(),
        kind: z.enum(['stage-start', 'stage-end', 'step']),
        stage: StageNameSchema,
        step: count().optional(),
        stepKind: z.enum(['full', 'cached']).optional(),
      }),
    ),
  })
  .meta({ id: 'Timeline', description: 'Samples and stage/step marks; tMs is relative to one origin per variant.' });

const fidelityCommon = { ssim: z.number().min(-1).max(1), reference: z.literal('baseline') };

export const FidelitySchema = z
  .discriminatedUnion('identical', [
    z.strictObject({
      identical: z.literal(true),
      psnrDb: z.null().describe('PSNR of identical frames is infinite, which JSON cannot carry'),
      maxAbsError: z.literal(0),
      ...fidelityCommon,
    }),
    z.strictObject({ identical: z.literal(false), psnrDb: z.number(), maxAbsError: z.number().positive(), ...fidelityCommon }),
  ])
  .meta({ id: 'Fidelity', description: "Frames against the baseline's frames from the same seed and noise." });

const relativePath = () =>
  z
    .string()
    .min(1)
    .refine((p) => !/^([/\\]|[a-zA-Z]:|[a-z][a-z0-9+.-]*:\/\/)/.test(p), { message: 'expected a path relative to the results file' });

const ProfileStageSchema = z.strictObject({
  byTime: z.array(
    z.strictObject({
      op: z.string(),
      node: z.string().optional(),
      totalUs: z.number().nonnegative(),
      count: count(),
      flops: z.number().positive().optional().describe("the operator's work over all its calls, from the shapes its kernels ran; absent where a call's shapes do not say"),
    }),
  ),
  kernelUs: z.number().nonnegative().optional().describe("all kernels' time in the stage's profiled calls, the whole the byTime entries are shares of"),
  bySize: z.array(
    z.strictObject({
      op: z.string(),
      node: z.string().optional(),
      activationBytes: bytes(),
      outputBytes: bytes(),
      shapes: z.string().optional(),
    }),
  ),
});

export const VariantOkSchema = z
  .strictObject({
    status: z.literal('ok'),
    model: name(),
    variant: VariantSpecSchema,
    executionProvider: z.string(),
    firstCall: z.partialRecord(StageNameSchema, ms()).describe('ms of the first warm-up run'),
    stages: z.record(StageNameSchema, StageStatsSchema),
    runs: z.array(z.strictObject({ stagesMs: z.record(StageNameSchema, ms()), steps: z.array(StepRecordSchema) })).min(1),
    hostMemory: z.partialRecord(StageNameSchema, HostMemoryStageSchema),
    gpuMemory: GpuMemorySchema,
    timeline: TimelineSchema,
    cache: z.strictObject({ peakBytes: bytes(), location: z.enum(['none', 'host', 'device']), note: z.string().optional() }),
    attention: z
      .strictObject({
        requested: z.boolean().describe("the session's fuseAttention"),
        form: z.enum(['fused', 'unfused', 'partly-fused']),
        fusedNodes: count().describe('MultiHeadAttention nodes in the denoiser graphs'),
        unfusedNodes: count().describe('attention left as MatMul-Softmax-MatMul (Softmax nodes) in them'),
        note: z.string().optional(),
      })
      .optional()
      .describe('which attention form the denoiser graphs ran; absent in runs recorded before it was reported'),
    swap: z.array(z.strictObject({ stage: StageNameSchema, what: z.string(), ms: ms() })).optional().describe('itemised offload costs'),
    fidelity: FidelitySchema.optional(),
    fidelityNote: z.string().optional(),
    previews: z
      .strictObject({ first: relativePath(), middle: relativePath(), last: relativePath(), diffHeatmap: relativePath().optional() })
      .optional()
      .describe('paths relative to the results file'),
    previewsNote: z.string().optional().describe('why preview images (or saved frames) are missing though the variant ran'),
    profile: z.partialRecord(StageNameSchema, ProfileStageSchema).optional(),
    work: z.partialRecord(StageNameSchema, z.strictObject({ flops: z.number().nonnegative(), achievedGflops: z.number().nonnegative() })).optional(),
    energy: z.partialRecord(StageNameSchema, z.strictObject({ joules: z.number().nonnegative() })).optional(),
  })
  .superRefine((v, ctx) => {
    // The summaries must be of the raw runs they sit next to, or the report would show two different truths.
    for (const stage of STAGE_NAMES) {
      const stats = v.stages[stage];
      if (stats.samplesMs.length !== v.runs.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', stage, 'samplesMs'],
          message: `has ${stats.samplesMs.length} samples but there are ${v.runs.length} runs`,
        });
        continue;
      }
      const i = v.runs.findIndex((run, k) => run.stagesMs[stage] !== stats.samplesMs[k]);
      if (i >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', stage, 'samplesMs', i],
          message: `is ${stats.samplesMs[i]} but runs[${i}].stagesMs.${stage} is ${v.runs[i]!.stagesMs[stage]}`,
        });
      }
    }
  })
  .meta({ id: 'VariantOk', description: 'A variant that ran to completion.' });

export const VariantErrorSchema = z
  .strictObject({
    status: z.literal('error'),
    model: name(),
    variant: VariantSpecSchema,
    error: z.strictObject({
      code: name(),
      message: z.string(),
      exitCode: z.number().int().nullable().optional(),
      signal: z.string().nullable().optional(),
      stderrTail: z.string().optional().describe("last lines of the child's stderr"),
    }),
    partial: z
      .strictObject({ stagesMs: z.partialRecord(StageNameSchema, ms()).optional(), lastStage: StageNameSchema.optional() })
      .optional(),
  })
  .meta({ id: 'VariantError', description: 'A variant that failed (out of memory, a crash, a bad model).' });

export const VariantResultSchema = z
  .discriminatedUnion('status', [VariantOkSchema, VariantErrorSchema])
  .meta({ id: 'VariantResult' });

export const RunResultSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a file-name-safe id'),
    startedAt: z.iso.datetime({ offset: true }),
    finishedAt: z.iso.datetime({ offset: true }),
    suite: ResolvedSuiteSchema,
    context: RunContextSchema,
    calibration: z.strictObject({ matmulGflops: z.number().nonnegative(), method: z.string() }).optional(),
    variants: z.array(VariantResultSchema),
  })
  .superRefine((run, ctx) => {
    if (Date.parse(run.finishedAt) < Date.parse(run.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'is before startedAt' });
    }
    const models = new Set(run.suite.models);
    const variantNames = new Set(run.suite.variants.map((v) => v.name));
    const seen = new Set<string>();
    run.variants.forEach((v, i) => {
      if (!models.has(v.model)) {
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'model'], message: `"${v.model}" is not in suite.models` });
      }
      if (!variantNames.has(v.variant.name)) {
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'variant', 'name'], message: `"${v.variant.name}" is not in suite.variants` });
      }
      const key = JSON.stringify([v.model, v.variant.name]);
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['variants', i], message: `a second result for ${v.model} / ${v.variant.name}` });
      }
      seen.add(key);
    });
  });

/** Name of one measured stage of the pipeline. */
export type StageName = z.infer<typeof StageNameSchema>;
/** ONNX Runtime session and allocator settings of a run. */
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;
/** One variant of the pipeline and its switches. */
export type VariantSpec = z.infer<typeof VariantSpecSchema>;
/** Suite configuration after defaults and overrides. */
export type ResolvedSuite = z.infer<typeof ResolvedSuiteSchema>;
export type ModelArchitecture = z.infer<typeof ModelArchitectureSchema>;
/** Regression thresholds of a suite or of one variant. */
export type ThresholdSet = z.infer<typeof ThresholdSetSchema>;
/** One GPU as the driver describes it. */
export type GpuInfo = z.infer<typeof GpuInfoSchema>;
/** Machine, GPUs and software versions of a run. */
export type RunContext = z.infer<typeof RunContextSchema>;
/** Summary statistics of one stage over the measured runs. */
export type StageStats = z.infer<typeof StageStatsSchema>;
/** One denoising step of one run. */
export type StepRecord = z.infer<typeof StepRecordSchema>;
/** Resident host memory of the child during one stage. */
export type HostMemoryStage = z.infer<typeof HostMemoryStageSchema>;
/** Device memory per stage and GPU, or why it could not be measured. */
export type GpuMemory = z.infer<typeof GpuMemorySchema>;
/** Sampled host/GPU values and stage/step marks of one variant. */
export type Timeline = z.infer<typeof TimelineSchema>;
/** Deviation of a variant's frames from the baseline's frames. */
export type Fidelity = z.infer<typeof FidelitySchema>;
/** Result of a variant that ran to completion. */
export type VariantOk = z.infer<typeof VariantOkSchema>;
/** Result of a variant that failed. */
export type VariantError = z.infer<typeof VariantErrorSchema>;
/** Result of one (model, variant) pair. */
export type VariantResult = z.infer<typeof VariantResultSchema>;
/** One results file: a whole run of a suite. */
export type RunResult = z.infer<typeof RunResultSchema>;

/**
 * Puts measured fidelity into its JSON form: identical frames (infinite PSNR) become
 * `psnrDb: null, identical: true`, so Infinity never reaches a results file.
 */
export function toFidelity(measured: { psnrDb: number; ssim: number; maxAbsError: number }): Fidelity {
  const { psnrDb, ssim, maxAbsError } = measured;
  if (Number.isNaN(psnrDb) || !Number.isFinite(ssim) || !Number.isFinite(maxAbsError)) {
    throw new HarnessError('fidelity-not-finite', `fidelity has a non-finite value: psnrDb ${psnrDb}, ssim ${ssim}, maxAbsError ${maxAbsError}`);
  }
  if (maxAbsError === 0) return { identical: true, psnrDb: null, ssim, maxAbsError: 0, reference: 'baseline' };
  if (!Number.isFinite(psnrDb)) {
    throw new HarnessError('fidelity-inconsistent', `psnrDb is ${psnrDb} but maxAbsError is ${maxAbsError}; frames that differ have a finite PSNR`);
  }
  return { identical: false, psnrDb, ssim, maxAbsError, reference: 'baseline' };
}
