import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel, TensorSignature } from '../onnx/model-file.ts';
import { closestNames, defaultOpset, externalDataFiles, graphInputs, graphOutputs, nodeOutputNames, readOnnxModel, statedSignatures } from '../onnx/model-file.ts';
import { checkExternalData } from '../onnx/external-data.ts';
import { findSkipConnections } from '../onnx/skip-connections.ts';
import { DIFFUSERS_TRANSLATORS, diffusersKeysIn, isDiffusersSchedulerConfig, translateDiffusersSchedulerConfig } from '../schedulers/diffusers-scheduler-config.ts';
import { parseSchedulerConfig } from '../schedulers/scheduler-config.ts';
import type { SchedulerConfig } from '../schedulers/types.ts';
import { checkImageToVideoShapes, checkTextToVideoShapes } from './model-manifest-shapes.ts';
import { checkTokenIdsFit } from './model-manifest-vocabulary.ts';
import type { ManifestComponent, ModelManifest, UnetModelManifest, UserModelComponent, UserModelCutPoint, UserModelSource, UserModelTensor } from './types.ts';

/** CLIP's BPE vocabulary: 49 406 merges and words, then <|startoftext|> and <|endoftext|>. */
const CLIP_VOCAB_SIZE = 49408;

const tensorName = z.string().min(1).describe('a tensor name in the ONNX graph');
const onnxFile = z.string().min(1).describe('path of the ONNX file, relative to the manifest');
const component = <I extends string, O extends string>(inputs: readonly I[], outputs: readonly O[], description: string) =>
  z
    .strictObject({
      file: onnxFile,
      inputs: z.strictObject(Object.fromEntries(inputs.map((role) => [role, tensorName])) as Record<I, typeof tensorName>),
      outputs: z.strictObject(Object.fromEntries(outputs.map((role) => [role, tensorName])) as Record<O, typeof tensorName>),
    })
    .describe(description);

const unet = component(['sample', 'timestep', 'encoderHiddenStates'], ['noisePred'], 'the denoising UNet').extend({
  inputs: z.strictObject({
    sample: tensorName,
    timestep: tensorName,
    encoderHiddenStates: tensorName,
    addedTimeIds: tensorName.optional().describe('image-to-video (SVD): [batch, 3] micro-conditioning'),
  }),
  sampleLayout: z.enum(['BCFHW', 'BFCHW']).describe("BCFHW: [batch, channels, frames, h, w] as diffusers' UNetMotionModel; BFCHW: [batch, frames, channels, h, w] as SVD's UNetSpatioTemporalConditionModel"),
  contextBatch: z.enum(['per-video', 'per-frame']).describe('per-frame: encoder_hidden_states has batch·frames rows (AnimateDiff); per-video: batch rows (SVD)'),
  deepCache: z
    .strictObject({
      cutPoints: z
        .array(z.strictObject({ branch: z.number().int().min(0).describe('index of the down layer whose skip the up layer consumes'), tensor: tensorName.describe('the up-path feature entering that up layer') }))
        .describe('`lightbench models inspect unet.onnx` lists the candidates'),
    })
    .optional(),
});

const common = {
  $schema: z.string().optional(),
  manifestVersion: z.literal(1),
  name: z.string().min(1),
  description: z.string().optional(),
  unet,
  vaeDecoder: component(['latents'], ['sample'], 'the VAE decoder: latents [frames, channels, h, w] → frames [frames, 3, H, W]').extend({
    framesPerCall: z.number().int().min(1).nullable().optional().describe('frames one call decodes when the graph fixes its batch; null or absent when dynamic'),
  }),
  latent: z.strictObject({
    channels: z.number().int().min(1),
    height: z.number().int().min(1),
    width: z.number().int().min(1),
    frames: z.number().int().min(1),
    scalingFactor: z.number().gt(0).describe('latents are divided by it before decoding'),
  }),
  scheduler: z
    .union([
      z.string().min(1).describe("path of the checkpoint's diffusers scheduler_config.json, relative to the manifest: translated"),
      z.record(z.string(), z.unknown()),
    ])
    .describe("lightbench's scheduler config: kind (ddim, euler, flow-match-euler, unipc) and that kind's settings (ddim/euler: numTrainTimesteps, betaStart, betaEnd, betaSchedule, timestepSpacing, stepsOffset, predictionType, clipSample, setAlphaToOne, eta; flow-match-euler: numTrainTimesteps, shift, dynamicShift; unipc: numTrainTimesteps, predictionType, flowShift, solverOrder, solverType, lowerOrderFinal, disableCorrector); or a diffusers scheduler_config.json: its path, or its object with _class_name (DDIMScheduler, EulerDiscreteScheduler), translated option by option"),
  sourceScheduler: z.strictObject({ className: z.string(), config: z.record(z.string(), z.unknown()) }).optional().describe('the diffusers scheduler the model was made for, as exported'),
  guidanceScale: z.number().min(0),
  defaultSteps: z.number().int().min(1).optional(),
};

const streamTensors = z
  .strictObject({ image: tensorName.optional(), text: tensorName.optional() })
  .describe('a tensor per stream: image tokens, and text tokens in MM-DiT blocks');
const ditLatentSize = z.number().int().min(1);
const causalFrame = component(['latents'], ['sample'], 'one call of the per-frame causal decoder');

const ditTextToVideo = z.strictObject({
  $schema: z.string().optional(),
  manifestVersion: z.literal(1),
  name: z.string().min(1),
  description: z.string().optional(),
  kind: z.literal('text-to-video-dit'),
  textEncoder: component(['inputIds', 'attentionMask'], ['hiddenStates'], 'the text encoder: token ids and attention mask [1, length] → hidden states [1, length, width]').extend({
    vocabSize: z.number().int().min(3),
    maxSequenceLength: z.number().int().min(1).describe('prompts are padded to this many tokens'),
    statesPastPrompt: z.enum(['zero', 'kept']).describe("zero: states past the prompt's tokens are zeroed before the denoiser (Wan); kept: passed as computed (EasyAnimate)"),
  }),
  denoiser: component(['sample', 'timestep', 'encoderHiddenStates'], ['noisePred'], 'the diffusion transformer: latents [batch, channels, frames, h, w], timestep [batch], text states [batch, length, width] → flow prediction like the latents').extend({
    kind: z.literal('dit'),
    architecture: z.strictObject({
      patchSize: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).describe('[frames, height, width] of the latent patch one token covers'),
      rotaryEmbedding: z.literal('3d').describe('rotary position embedding over (frame, row, column), computed inside the graph'),
      timestepModulation: z.literal('per-block').describe("every block's shift/scale/gate come from the timestep embedding (adaLN)"),
      textConditioning: z.enum(['cross-attention', 'joint-attention']).describe('cross-attention: text states enter every block unchanged (Wan); joint-attention: text tokens are a stream of the blocks (MM-DiT, EasyAnimate)'),
      blocks: z.strictObject({
        count: z.number().int().min(1),
        streams: z.array(z.enum(['image', 'text'])).min(1),
        input: streamTensors.describe('the stream tensors entering the first block'),
        outputs: z.array(streamTensors).describe('per block, the stream tensors it hands on (the block cache records residuals between them)'),
      }),
    }),
    guidanceCalls: z.enum(['separate', 'batched']).describe('how the source pipeline runs guidance; the graph takes [negative; prompt] as one batch either way'),
    teaCache: z
      .strictObject({
        modulatedInput: tensorName.describe("the timestep embedding every block's modulation is made from ([batch, width]; TeaCache4Wan2.1's `e`), whose change TeaCache measures"),
        coefficients: z.array(z.number()).min(1).describe('the polynomial that rescales its relative L1 change, highest power first (numpy.poly1d order)'),
        coefficientsSource: z.string().optional().describe('where the coefficients were fitted or published'),
      })
      .optional()
      .describe('TeaCache on this transformer: what it measures and how the change is rescaled; without it the teacache variant is refused'),
    magCache: z
      .strictObject({
        ratios: z
          .array(z.number().nonnegative('a magnitude ratio is a number ≥ 0 (the norm of a step\'s residual over the previous step\'s)'))
          .min(1, 'give at least one magnitude ratio per step (they are interpolated to the run\'s step count)')
          .describe("per step, the mean ratio of the block stack's residual norm to the previous step's (diffusers' MagCacheConfig mag_ratios; the first is 1)"),
        ratiosSource: z.string().optional().describe('where the ratios were calibrated or published'),
      })
      .optional()
      .describe('MagCache on this transformer: its magnitude ratios; without them the mag-cache variant calibrates its own on an uncached pass before the timed runs'),
  }),
  vaeDecoder: component(['latents'], ['sample'], 'the causal VAE decoder: latents [1, channels, frames, h, w] → video [1, 3, frames, H, W] in [-1, 1]').extend({
    framesPerCall: z.number().int().min(1).nullable().optional().describe('latent frames one call decodes; null or absent: all of them'),
    causalFrames: z
      .strictObject({
        temporalCompression: z.number().int().min(1),
        firstFrame: causalFrame.extend({ cacheOutputs: z.array(tensorName.nullable()).describe('per cache slot (aligned with nextFrame.cacheInputs), the output that starts it; null: the slot starts as zeros') }),
        nextFrame: causalFrame.extend({ cacheInputs: z.array(tensorName), cacheOutputs: z.array(tensorName) }),
      })
      .optional()
      .describe("the decoder split per latent frame, its causal-conv cache carried from call to call (diffusers' AutoencoderKLWan)"),
  }),
  latent: z
    .strictObject({
      channels: ditLatentSize,
      height: ditLatentSize,
      width: ditLatentSize,
      frames: ditLatentSize,
      scalingFactor: z.number().gt(0).optional().describe('latents are divided by it before decoding'),
      channelMean: z.array(z.number()).optional().describe('with channelStd: latents · std + mean per channel before decoding (Wan)'),
      channelStd: z.array(z.number().gt(0)).optional(),
    })
    .refine((l) => (l.scalingFactor === undefined) !== (l.channelMean === undefined && l.channelStd === undefined), {
      message: 'give either scalingFactor or channelMean with channelStd',
    })
    .refine((l) => (l.channelMean === undefined) === (l.channelStd === undefined), { message: 'channelMean and channelStd go together' })
    .refine((l) => l.channelMean === undefined || (l.channelMean.length === l.channels && l.channelStd?.length === l.channels), {
      message: 'channelMean and channelStd need one value per latent channel',
    }),
  video: z.strictObject({ frames: ditLatentSize, height: ditLatentSize, width: ditLatentSize }),
  scheduler: common.scheduler,
  sourceScheduler: common.sourceScheduler,
  guidanceScale: common.guidanceScale,
  defaultSteps: common.defaultSteps,
});

/** A model manifest as written by a user (JSON or YAML). */
export const ModelManifestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('text-to-video'),
    textEncoder: component(['inputIds'], ['hiddenStates'], 'the text encoder: token ids [1, length] → hidden states [1, length, width]').extend({
      vocabSize: z.number().int().min(3).optional().describe("token vocabulary size (default 49408, CLIP's); begin and end tokens are its last two ids"),
      tokenizer: onnxFile.optional().describe("the pipeline's tokenizer.json (tokenizer_config.json beside it names the padding token), relative to the manifest; without it prompts become ids by a word hash over vocabSize"),
    }),
  }),
  z.strictObject({
    ...common,
    kind: z.literal('image-to-video'),
    imageEncoder: component(['pixelValues'], ['imageEmbeds'], 'the image encoder: pixels [1, 3, S, S] → embeddings [1, width]'),
    vaeEncoder: component(['sample'], ['latents'], 'the VAE encoder: image [1, 3, H, W] in [-1, 1] → latents [1, channels, h, w] (the distribution mode)'),
    maxGuidanceScale: z.number().min(0).optional().describe('guidance grows linearly over frames from guidanceScale to this (SVD)'),
    conditioning: z.strictObject({ fps: z.number(), motionBucketId: z.number(), noiseAugStrength: z.number().min(0) }).describe('added_time_ids = [fps − 1, motionBucketId, noiseAugStrength]'),
  }),
  ditTextToVideo,
]);

// The zod schema and the public types describe one format; this fails to compile when they drift apart.
type WithoutScheduler<T> = T extends unknown ? Omit<T, 'scheduler'> : never;
const schemaMatchesTypes = (parsed: z.infer<typeof ModelManifestSchema>): WithoutScheduler<ModelManifest> => parsed;
void schemaMatchesTypes;

/** Where the committed JSON Schema of model manifests lives. */
export const MODEL_MANIFEST_JSON_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/model-manifest.schema.json', import.meta.url));

/** The exact text of the committed manifest schema file. */
export function modelManifestJsonSchemaText(): string {
  const { $schema, ...rest } = z.toJSONSchema(ModelManifestSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ $schema, title: 'lightbench model manifest', description: "A pipeline of the user's ONNX files: components, tensor names by role, latent dimensions, scheduler and DeepCache cut points.", ...rest }, null, 2)}\n`;
}

function given(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** Validates a manifest's structure (no files are read); `source` names it in errors. */
export function parseModelManifest(input: unknown, source: string): ModelManifest {
  const result = ModelManifestSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.join('.') || '(manifest)';
      const value = given(input, issue.path);
      return value === undefined ? `${field}: ${issue.message}` : `${field}: ${issue.message} (got ${JSON.stringify(value)})`;
    });
    throw new HarnessError('bad-model-manifest', `${source}: ${problems.join('; ')}`);
  }
  const { scheduler, sourceScheduler } = resolveScheduler(result.data.scheduler, source);
  if (result.data.kind !== 'text-to-video-dit' && (scheduler.kind === 'flow-match-euler' || scheduler.kind === 'unipc')) {
    throw new HarnessError(
      'bad-model-manifest',
      `${source}: scheduler: kind "${scheduler.kind}" samples flow-matching models (kind "text-to-video-dit"); a ${result.data.kind} UNet predicts noise, so its scheduler is ddim or euler`,
    );
  }
  const { $schema: _ignored, ...manifest } = result.data;
  // A translated diffusers config is the scheduler's source; a sourceScheduler written beside it describes another.
  return { ...manifest, scheduler, ...(sourceScheduler ? { sourceScheduler } : {}) } as ModelManifest;
}

/** The manifest's scheduler as lightbench's config: its own schema, or a diffusers config translated. */
function resolveScheduler(value: unknown, source: string): { scheduler: SchedulerConfig; sourceScheduler: ModelManifest['sourceScheduler'] } {
  try {
    if (typeof value === 'string') {
      throw new HarnessError('bad-scheduler', `"${value}" is a path, read by loadModelManifest (which knows the manifest's folder), not by parseModelManifest`);
    }
    if (isDiffusersSchedulerConfig(value)) {
      const translated = translateDiffusersSchedulerConfig(value);
      return { scheduler: translated.config, sourceScheduler: { className: translated.className, config: value } };
    }
    const pasted = diffusersKeysIn(value);
    if (pasted.length > 0) {
      throw new HarnessError(
        'bad-scheduler',
        `${pasted.join(', ')} are diffusers scheduler options, not lightbench's (kind, numTrainTimesteps, betaStart, ...). To use a diffusers scheduler_config.json as it is, give its path ("scheduler": "scheduler/scheduler_config.json") or paste it with its "_class_name" (${Object.keys(DIFFUSERS_TRANSLATORS).join(' or ')}): it is then translated option by option`,
      );
    }
    return { scheduler: parseSchedulerConfig(value), sourceScheduler: undefined };
  } catch (error) {
    if (error instanceof HarnessError) throw new HarnessError('bad-model-manifest', `${source}: scheduler: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A manifest file's parsed JSON or YAML (by extension); a missing or unreadable file is a HarnessError. */
export async function readManifestFile(path: string): Promise<unknown> {
  if (!existsSync(path)) throw new HarnessError('model-not-found', `model manifest not found: ${path}`);
  const text = await readFile(path, 'utf8');
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new HarnessError('bad-model-manifest', `${path}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
}

/**
 * A file the manifest names, resolved against the manifest's folder; one that leaves the folder (absolute, or
 * climbing out with `..`) is refused, so a manifest only ever reads the model it describes. Links inside the folder
 * are followed, as in a downloaded hub snapshot whose files link into its blob store.
 */
function manifestFilePath(source: string, field: string, file: string): string {
  const folder = dirname(source);
  const path = resolve(folder, file);
  const inside = relative(folder, path);
  if (isAbsolute(file) || inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new HarnessError('bad-model-manifest', `${source}: ${field} "${file}" leaves the manifest's folder ${folder}; accepted: a path relative to that folder, inside it (put the manifest beside the model, or link the file into its folder)`);
  }
  return path;
}

const toTensor = (s: TensorSignature): UserModelTensor => ({ name: s.name, elementType: s.elementType, shape: s.shape });

/** Opens one component's ONNX file and resolves its role names against the graph's inputs and outputs. */
export async function resolveComponent<I extends string, O extends string>(
  source: string,
  field: string,
  spec: Omit<ManifestComponent<I, O>, 'inputs'> & { inputs: Partial<Record<I, string>> },
): Promise<{ component: UserModelComponent<I, O>; model: OnnxModel }> {
  const path = manifestFilePath(source, `${field}.file`, spec.file);
  if (!existsSync(path)) throw new HarnessError('model-not-found', `${source}: ${field}.file "${spec.file}" not found (looked for ${path})`);
  const model = await readOnnxModel(path);
  const externalData = externalDataFiles(model);
  try {
    await checkExternalData(model, path);
  } catch (error) {
    if (error instanceof HarnessError) throw new HarnessError(error.code, `${source}: ${field}: ${error.message}`, { cause: error });
    throw error;
  }
  const pick = <R extends string>(side: 'inputs' | 'outputs', roles: Partial<Record<R, string>>, available: TensorSignature[]) => {
    const byName = new Map(available.map((t) => [t.name, t]));
    const picked = {} as Record<R, UserModelTensor>;
    for (const [role, name] of Object.entries(roles) as [R, string | undefined][]) {
      if (name === undefined) continue;
      const tensor = byName.get(name);
      if (!tensor) {
        const names = [...byName.keys()];
        throw new HarnessError(
          'unknown-tensor',
          `${source}: ${field}.${side}.${role} is "${name}", but ${spec.file} has no ${side === 'inputs' ? 'input' : 'output'} of that name; its ${side}: ${names.join(', ')} (closest: ${closestNames(name, names, 3).join(', ')})`,
        );
      }
      picked[role] = toTensor(tensor);
    }
    return picked;
  };
  return {
    model,
    component: {
      path,
      inputs: pick('inputs', spec.inputs, graphInputs(model)),
      outputs: pick('outputs', spec.outputs, graphOutputs(model)),
      externalData,
      irVersion: Number(model.irVersion ?? 0),
      opset: defaultOpset(model),
    },
  };
}

/** Checks the cut points against the UNet graph: each tensor exists, is a 4-D feature, and pairs with its branch. */
function resolveCutPoints(source: string, manifest: UnetModelManifest, model: OnnxModel): UserModelCutPoint[] {
  const points = manifest.unet.deepCache?.cutPoints ?? [];
  const produced = nodeOutputNames(model);
  const stated = statedSignatures(model);
  const detected = new Map(findSkipConnections(model).map((c) => [c.cutTensor, c]));
  const seen = new Set<number>();
  return points.map((point, i) => {
    const field = `unet.deepCache.cutPoints.${i}`;
    if (seen.has(point.branch)) throw new HarnessError('bad-model-manifest', `${source}: ${field}: branch ${point.branch} is listed twice`);
    seen.add(point.branch);
    if (!produced.has(point.tensor)) {
      throw new HarnessError('unknown-tensor', `${source}: ${field}.tensor is "${point.tensor}", which no node of ${manifest.unet.file} produces (closest: ${closestNames(point.tensor, produced, 5).join(', ')})`);
    }
    const signature = stated.get(point.tensor);
    if (signature?.shape && signature.shape.length !== 4) {
      throw new HarnessError('shape-mismatch', `${source}: ${field}.tensor "${point.tensor}" has rank ${signature.shape.length} ([${signature.shape.join(', ')}]); a UNet feature is [batch·frames, channels, h, w], rank 4`);
    }
    const candidate = detected.get(point.tensor);
    if (candidate && candidate.branch !== point.branch) {
      const actual = candidate.branch === null ? `the ${candidate.skipKind} skip, which is no branch` : `branch ${candidate.branch}`;
      throw new HarnessError('bad-cut-point', `${source}: ${field}: "${point.tensor}" enters ${candidate.label}, which consumes ${actual}, not branch ${point.branch}`);
    }
    return { branch: point.branch, tensor: signature ? toTensor(signature) : { name: point.tensor, elementType: 'unknown', shape: null } };
  });
}

/**
 * Reads a manifest (JSON, or YAML by extension), validates it, opens every ONNX file it names (graphs only:
 * external weight data is checked to lie inside the model's folder and to hold every byte, not read) and checks each role's tensor name, rank and the dimensions
 * the manifest fixes. Every problem is a HarnessError naming the field, the file and the value.
 */
export async function loadModelManifest(manifestPath: string): Promise<UserModelSource> {
  const source = resolve(manifestPath);
  const raw = await readManifestFile(source);
  const schedulerPath = (raw as { scheduler?: unknown } | null)?.scheduler;
  if (typeof schedulerPath === 'string') {
    const path = manifestFilePath(source, 'scheduler', schedulerPath);
    if (!existsSync(path)) throw new HarnessError('model-not-found', `${source}: scheduler "${schedulerPath}" not found (looked for ${path})`);
    let config: unknown;
    try {
      config = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new HarnessError('bad-model-manifest', `${source}: scheduler: ${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (!isDiffusersSchedulerConfig(config)) throw new HarnessError('bad-model-manifest', `${source}: scheduler: ${path} names no _class_name; a diffusers scheduler_config.json does`);
    (raw as { scheduler: unknown }).scheduler = config;
  }
  const manifest = parseModelManifest(raw, source);
  if (manifest.kind === 'text-to-video-dit') {
    throw new HarnessError(
      'unsupported-model',
      `${source}: a diffusion-transformer manifest (kind "text-to-video-dit"), read by loadDitManifest; this loader reads UNet manifests (kind "text-to-video" or "image-to-video"). \`lightbench models inspect ${manifestPath}\` checks it.`,
    );
  }
  const unet = await resolveComponent(source, 'unet', manifest.unet);
  const vaeDecoder = await resolveComponent(source, 'vaeDecoder', manifest.vaeDecoder);
  const base = {
    manifestPath: source,
    name: manifest.name,
    description: manifest.description ?? null,
    unet: {
      ...unet.component,
      inputs: unet.component.inputs as UserModelSource['unet']['inputs'],
      sampleLayout: manifest.unet.sampleLayout,
      contextBatch: manifest.unet.contextBatch,
      cutPoints: resolveCutPoints(source, manifest, unet.model),
    },
    vaeDecoder: { ...vaeDecoder.component, framesPerCall: manifest.vaeDecoder.framesPerCall ?? null },
    latent: manifest.latent,
    scheduler: manifest.scheduler,
    sourceScheduler: manifest.sourceScheduler ?? null,
    guidanceScale: manifest.guidanceScale,
    defaultSteps: manifest.defaultSteps ?? null,
  };
  if (manifest.kind === 'text-to-video') {
    const textEncoder = await resolveComponent(source, 'textEncoder', manifest.textEncoder);
    let tokenizer: string | null = null;
    if (manifest.textEncoder.tokenizer !== undefined) {
      tokenizer = manifestFilePath(source, 'textEncoder.tokenizer', manifest.textEncoder.tokenizer);
      if (!existsSync(tokenizer)) throw new HarnessError('model-not-found', `${source}: textEncoder.tokenizer "${manifest.textEncoder.tokenizer}" not found (looked for ${tokenizer})`);
    }
    const model: UserModelSource = { ...base, kind: 'text-to-video', textEncoder: { ...textEncoder.component, vocabSize: manifest.textEncoder.vocabSize ?? CLIP_VOCAB_SIZE, tokenizer } };
    checkTextToVideoShapes(source, model);
    checkTokenIdsFit(source, model, textEncoder.model, manifest.textEncoder.vocabSize !== undefined);
    return model;
  }
  if (!manifest.unet.inputs.addedTimeIds) {
    throw new HarnessError('bad-model-manifest', `${source}: unet.inputs.addedTimeIds: required for an image-to-video UNet (SVD's micro-conditioning)`);
  }
  const imageEncoder = await resolveComponent(source, 'imageEncoder', manifest.imageEncoder);
  const vaeEncoder = await resolveComponent(source, 'vaeEncoder', manifest.vaeEncoder);
  const model: UserModelSource = {
    ...base,
    kind: 'image-to-video',
    imageEncoder: imageEncoder.component,
    vaeEncoder: vaeEncoder.component,
    maxGuidanceScale: manifest.maxGuidanceScale ?? null,
    conditioning: manifest.conditioning,
  };
  checkImageToVideoShapes(source, model);
  return model;
}
