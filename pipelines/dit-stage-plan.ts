import { decodeAllFrames, decodeCausalFrames } from './causal-vae-decode.ts';
import { scheduledCachePlan } from './scheduled-cache-plan.ts';
import type { DitPromptTokens } from './dit-conditioning.ts';
import { ditPromptTokens, encodeDitPrompts, latentsForDecoder } from './dit-conditioning.ts';
import type { FeatureCache } from './feature-cache.ts';
import { createFeatureCache } from './feature-cache.ts';
import { HarnessError } from './harness-error.ts';
import { CACHE_FEATURE } from './onnx/graph-splitter.ts';
import type { UserDitSource } from './models/types.ts';
import { floatTensor } from './ort-backend.ts';
import { gaussianNoise } from './seeded-random.ts';
import type { StagePlan, StageSessions } from './stage-sessions.ts';
import type { MagCacheParameters, PipelineEvent, RuntimeCacheConfig, RuntimeCacheOptions, StepPlan, StepRecord, UserPipelineRequest } from './types.ts';
import { FirstBlockChange } from './first-block-change.ts';
import { attentionBroadcastPlan, broadcastGraphsRun } from './attention-broadcast-plan.ts';
import type { BroadcastCall } from './types.ts';
import { attentionBroadcastSchedule } from './attention-broadcast-schedule.ts';
import { ditCallOrder } from './dit-calls.ts';
import { createScheduler } from './schedulers/create-scheduler.ts';
import { runtimeCachePlan } from './runtime-cache-plan.ts';
import { TeaCacheChange } from './teacache-change.ts';
import { MagCacheRatio } from './mag-cache-ratio.ts';
import { teaCacheOf } from './user-model-files.ts';
import { guideFrames, staticShape, typedTensor } from './user-conditioning.ts';
import type { UserModelFiles } from './user-model-files.ts';

/** What a DiT pipeline's encode stage hands the transformer: the text states of its batch and the encoder calls made. */
interface DitConditioning {
  states: Float32Array;
  encoderCalls: number;
}

/**
 * The stages of a text-to-video diffusion transformer as diffusers' WanPipeline and EasyAnimatePipeline run it:
 * the prompt and negative prompt encoded one at a time, the transformer on the [negative, prompt] batch each step
 * with classifier-free guidance, and the latents decoded by the causal VAE (all frames in one call, or, when the
 * variant slices, frame by frame through the manifest's per-frame graphs with their cache carried). DeepCache runs
 * as a block cache over the blocks between its branch's live ends; run-time caches (first-block-cache, teacache) as
 * a head graph, a decision per call from one of its outputs, and the rest of the transformer computed or reusing
 * its kept residual. Frames come out [frames, 3, H, W] in [0, 1].
 */
export function ditStagePlan(request: UserPipelineRequest, model: UserDitSource, files: UserModelFiles, sessions: StageSessions, emit: (event: PipelineEvent) => void): StagePlan<DitConditioning> {
  const { variant, inputs = {} } = request;
  const { latent, denoiser, textEncoder } = model;
  if (request.frames !== latent.frames) {
    throw new HarnessError('shape-mismatch', `frames ${request.frames}: model ${model.name} is exported for ${latent.frames} latent frames (latent.frames in ${model.manifestPath})`);
  }
  const dims: [number, number, number, number] = [latent.channels, latent.frames, latent.height, latent.width];
  const perVideo = dims.reduce((a, b) => a * b, 1);
  // A transformer exported for the guided batch runs both rows in one call, whichever way the source pipeline
  // made its calls (guidanceCalls): the rows do not mix, so the prediction is the same.
  const batch = staticShape(denoiser.inputs.sample, [2])[0]!;
  if (batch !== 1 && batch !== 2) {
    throw new HarnessError('shape-mismatch', `${model.manifestPath}: denoiser.inputs.sample has batch ${batch}; accepted: 1 (no guidance) or 2 (classifier-free guidance)`);
  }
  const guided = batch === 2;
  // A sliced variant decodes one latent frame per call through the causal graphs, carrying their cache; every
  // other variant decodes all latent frames in one call.
  const causal = variant.sliceFrames !== null && model.vaeDecoder.causalFrames && files.causalDecoder ? { spec: model.vaeDecoder.causalFrames, files: files.causalDecoder } : null;
  if (variant.sliceFrames !== null && !causal) {
    throw new HarnessError('unsupported-model', `variant ${variant.name} slices the decode, but model ${model.name} has no per-frame causal decoder graphs prepared (vaeDecoder.causalFrames in ${model.manifestPath})`);
  }
  const decodeKeys = causal ? ['vae-decoder-first-frame', 'vae-decoder-next-frame'] : ['vae-decoder'];
  const openDecoders = () =>
    causal
      ? Promise.all([
          sessions.sessionFor('vae-decoder-first-frame', causal.files.firstFrame, 'decode'),
          sessions.sessionFor('vae-decoder-next-frame', causal.files.nextFrame, 'decode'),
        ])
      : sessions.sessionFor('vae-decoder', files.vaeDecoder, 'decode').then((whole) => [whole]);

  // DeepCache on a transformer is a block cache: full steps return the residual of the cached blocks, cached steps
  // run the blocks outside that span on it (the feature is the one cache the denoising loop keeps).
  const cache: FeatureCache | null = variant.cache ? createFeatureCache(request.executionProvider, variant.swap, false) : null;
  const broadcast = variant.attentionBroadcast && files.attentionBroadcast ? files.attentionBroadcast : null;
  if (variant.attentionBroadcast && !broadcast) throw new HarnessError('bad-variant-parameter', `variant ${variant.name}: the pab graphs were not prepared for ${model.name}`);
  const broadcastKeys = Object.keys(broadcast?.graphs ?? {}).filter((key) => key !== '');
  const broadcastSession = (key: string) => `denoiser-pab-${key}`;
  const denoiseKeys = [...(files.denoiserHead ? ['denoiser-head'] : []), 'denoiser', ...(files.unetShallow ? ['denoiser-cached'] : []), ...broadcastKeys.map(broadcastSession)];
  // A run-time cache decides per call of the source pipeline: WanPipeline calls the model for the negative prompt
  // and the prompt separately (one cache state each), a batched pipeline once for both rows.
  const calls: RuntimeCacheOptions['calls'] =
    guided && denoiser.guidanceCalls === 'separate'
      ? [
          { call: 'negative', rows: [0] },
          { call: 'prompt', rows: [1] },
        ]
      : [{ call: 'batch', rows: guided ? [0, 1] : [0] }];
  const stepPlan = async (): Promise<StepPlan> => {
    const full = await sessions.sessionFor('denoiser', files.unetFull, 'denoise');
    const shallow = files.unetShallow ? await sessions.sessionFor('denoiser-cached', files.unetShallow, 'denoise') : null;
    const noisePrediction = denoiser.outputs.noisePred.name;
    const runtime = variant.runtimeCache;
    if (broadcast && variant.attentionBroadcast) {
      const graphs = new Map([['', full], ...(await Promise.all(broadcastKeys.map(async (key) => [key, await sessions.sessionFor(broadcastSession(key), broadcast.graphs[key]!, 'denoise')] as const)))]);
      const schedule = attentionBroadcastSchedule(variant.attentionBroadcast, createScheduler(request.scheduler, request.steps).timesteps, ditCallOrder(calls));
      return attentionBroadcastPlan({ graphs, outputs: broadcast.outputs, schedule, calls, noisePrediction });
    }
    if (runtime) {
      if (!files.denoiserHead || !shallow) throw new HarnessError('bad-variant-parameter', `variant ${variant.name}: the ${runtime.method} graphs (head, rest, cached rest) were not prepared for ${model.name}`);
      const head = await sessions.sessionFor('denoiser-head', files.denoiserHead, 'denoise');
      const decider =
        runtime.method === 'teacache'
          ? new TeaCacheChange(teaCacheOf(model).modulatedInput, runtime.threshold, teaCacheOf(model).coefficients, request.steps, calls.length)
          : runtime.method === 'mag-cache'
            ? new MagCacheRatio(runtime.threshold, magCacheOf(variant.name, runtime), request.steps, calls.length)
            : new FirstBlockChange(runtime.threshold, calls.length);
      return runtimeCachePlan({ method: runtime.method, head, rest: full, cachedRest: shallow, decider, calls, noisePrediction });
    }
    return scheduledCachePlan({ steps: request.steps, cacheSchedule: variant.cache, full, shallow, cache, cacheFeature: CACHE_FEATURE, noisePrediction });
  };
  return {
    load: async () => {
      if (variant.swap) return;
      await sessions.openSession('text-encoder', files.conditionEncoder, 'encode');
      if (files.denoiserHead) await sessions.openSession('denoiser-head', files.denoiserHead, 'denoise');
      await sessions.openSession('denoiser', files.unetFull, 'denoise');
      if (files.unetShallow) await sessions.openSession('denoiser-cached', files.unetShallow, 'denoise');
      for (const key of broadcastKeys) await sessions.openSession(broadcastSession(key), broadcast!.graphs[key]!, 'denoise');
      await openDecoders();
    },

    encode: async () => {
      const encoder = await sessions.sessionFor('text-encoder', files.conditionEncoder, 'encode');
      const length = textEncoder.maxSequenceLength;
      const tokens = (prompt: string, ids?: readonly number[], mask?: readonly number[]): DitPromptTokens =>
        ids && mask ? { ids: [...ids], mask: [...mask] } : ditPromptTokens(prompt, textEncoder.vocabSize, length);
      const prompt = tokens(request.prompt, inputs.tokenIds?.prompt, inputs.attentionMasks?.prompt);
      const negative = tokens(request.negativePrompt, inputs.tokenIds?.negative, inputs.attentionMasks?.negative);
      const prompts = guided ? [negative, prompt] : [prompt];
      const states = await encodeDitPrompts(encoder, model, prompts);
      await sessions.endOfStage(['text-encoder']);
      return { states, encoderCalls: prompts.length };
    },

    denoiser: async (conditioning) => {
      const noise = inputs.initialNoise ?? gaussianNoise(request.seed, perVideo);
      if (noise.length !== perVideo) throw new HarnessError('shape-mismatch', `initial noise has ${noise.length} values; model ${model.name} needs ${perVideo}`);
      const { sample, timestep, encoderHiddenStates } = denoiser.inputs;
      const textStates = floatTensor(conditioning.states, [batch, textEncoder.maxSequenceLength, conditioning.states.length / (batch * textEncoder.maxSequenceLength)]);
      const scale = [request.guidanceScale];
      return {
        keys: denoiseKeys,
        noise,
        loop: {
          scheduler: request.scheduler,
          steps: request.steps,
          plan: await stepPlan(),
          feeds: (_, t, scaled) => {
            const rows = new Float32Array(batch * perVideo);
            for (let b = 0; b < batch; b++) rows.set(scaled, b * perVideo);
            return {
              [sample.name]: floatTensor(rows, [batch, ...dims]),
              [timestep.name]: typedTensor(timestep, Array.from({ length: batch }, () => t), timestep.shape?.length === 0 ? [] : [batch]),
              [encoderHiddenStates.name]: textStates,
            };
          },
          guide: (prediction) => (guided ? guideFrames(prediction, scale, () => 0) : prediction),
          emit,
        },
      };
    },

    decode: async (latents) => {
      const scaled = latentsForDecoder(latents, latent);
      const decoders = await openDecoders();
      const decoded = causal
        ? await decodeCausalFrames(decoders[0]!, decoders[1]!, causal.spec, scaled, dims)
        : await decodeAllFrames(decoders[0]!, { latents: model.vaeDecoder.inputs.latents.name, sample: model.vaeDecoder.outputs.sample.name }, scaled, dims);
      await sessions.endOfStage(decodeKeys);
      return decoded;
    },

    flops: (conditioning, steps) => ({
      encode: files.flops.conditionEncoder * conditioning.encoderCalls,
      denoise: steps.reduce((sum, step) => sum + stepFlops(step, files.flops, files.attentionBroadcast), 0),
      decode: causal ? files.flops.firstFrame + files.flops.nextFrame * (latent.frames - 1) : files.flops.vaeDecoder,
    }),
  };
}

/** MagCache's parameters with their ratios, or the error saying they were neither given nor calibrated. */
function magCacheOf(variant: string, runtime: RuntimeCacheConfig): MagCacheParameters {
  const mag = runtime.magCache;
  if (!mag || (!mag.ratios && !mag.calibrate)) throw new HarnessError('bad-variant-parameter', `variant ${variant}: mag-cache has no magnitude ratios (denoiser.magCache.ratios in the manifest, or a calibration pass before the timed runs)`);
  return mag;
}

/** Work of one step: the full or cached graph, or with a run-time cache the head and whichever rest graphs ran. */
function stepFlops(step: StepRecord, flops: UserModelFiles['flops'], broadcast: UserModelFiles['attentionBroadcast']): number {
  if (step.decision?.method === 'pab' && broadcast) {
    // The calls in the source pipeline's order decide which graphs ran.
    const calls = step.decision.calls.map((c): BroadcastCall => ({ call: c.call, attention: c.attention ?? [] }));
    const order = ditCallOrder(calls.map((c) => ({ call: c.call, rows: [] })));
    return broadcastGraphsRun(order.map((name) => calls.find((c) => c.call === name)!)).reduce((sum, key) => sum + broadcast.flops[key]!, 0);
  }
  if (!step.decision) return step.kind === 'full' ? flops.unetFull : flops.unetShallow;
  const ran = (computed: boolean) => step.decision!.calls.some((c) => c.computed === computed);
  return flops.denoiserHead + (ran(true) ? flops.unetFull : 0) + (ran(false) ? flops.unetShallow : 0);
}
