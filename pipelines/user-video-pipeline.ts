import { clipPixelValues } from './clip-image-preprocess.ts';
import { scheduledCachePlan } from './scheduled-cache-plan.ts';
import { readConditioningImage } from './conditioning-image.ts';
import { loadPromptTokenizer } from './prompt-tokenizer.ts';
import { ditStagePlan } from './dit-stage-plan.ts';
import type { FeatureCache } from './feature-cache.ts';
import { createFeatureCache } from './feature-cache.ts';
import { HarnessError } from './harness-error.ts';
import { CACHE_FEATURE } from './onnx/graph-splitter.ts';
import type { OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat } from './ort-backend.ts';
import { gaussianNoise } from './seeded-random.ts';
import type { StagePlan } from './stage-sessions.ts';
import { StageSessions, runStagePlan } from './stage-sessions.ts';
import type { UserModelSource } from './models/types.ts';
import { tokenize } from './tokenizer.ts';
import type { PipelineEvent, PipelineOutput, UserPipelineRequest } from './types.ts';
import { addedTimeIds, frameGuidance, guideFrames, repeatRows, seededImage, staticShape, typedTensor, unetBatch } from './user-conditioning.ts';
import type { UserModelFiles } from './user-model-files.ts';
import { decodeSlices } from './video-pipeline.ts';

/** What a UNet pipeline's encode stage hands the denoiser: its feeds, SVD's image latents, and the encoder calls made. */
interface UnetConditioning {
  feeds: Record<string, OrtTensor>;
  imageLatents: Float32Array | null;
  encoderCalls: number;
}

// The seed offsets of the draws a run makes besides its initial noise, so each has a stream of its own.
const IMAGE_SEED_OFFSET = 1;
const AUGMENTATION_SEED_OFFSET = 7;

/**
 * One run of a user's exported pipeline as diffusers runs it: AnimateDiff (text encoder, UNetMotionModel, VAE
 * decoder) or Stable Video Diffusion (image encoder and VAE encoder, spatio-temporal UNet with image latents
 * concatenated to the sample, per-frame guidance, temporal decoder), or a text-to-video diffusion transformer
 * (Wan, EasyAnimate: dit-stage-plan.ts). Every kind runs through the same stage bracket and denoising loop;
 * stages, swap, DeepCache and slicing behave as in the built-in pipeline; frames come out [frames, 3, H, W] in [0, 1].
 */
export async function runUserPipeline(request: UserPipelineRequest, files: UserModelFiles, emit: (event: PipelineEvent) => void = () => {}): Promise<PipelineOutput> {
  const sessions = StageSessions.forRun(request, files.preOptimized, emit);
  const model = request.userModel;
  if (model.kind === 'text-to-video-dit') return runStagePlan(sessions, ditStagePlan(request, model, files, sessions, emit));
  return runStagePlan(sessions, unetStagePlan(request, model, files, sessions, emit));
}

/** The stages of a UNet pipeline (AnimateDiff, Stable Video Diffusion). */
function unetStagePlan(request: UserPipelineRequest, model: UserModelSource, files: UserModelFiles, sessions: StageSessions, emit: (event: PipelineEvent) => void): StagePlan<UnetConditioning> {
  const { variant, frames, inputs = {} } = request;
  const { latent } = model;
  const unet = model.unet;
  const bcfhw = unet.sampleLayout === 'BCFHW';
  const perVideo = latent.channels * frames * latent.height * latent.width;
  const sampleShape = staticShape(unet.inputs.sample, bcfhw ? [2, latent.channels, frames, latent.height, latent.width] : [2, frames, latent.channels, latent.height, latent.width]);
  const batch = unetBatch(model);
  if (batch !== 1 && batch !== 2) {
    throw new HarnessError('shape-mismatch', `${model.manifestPath}: unet.inputs.sample has batch ${batch}; accepted: 1 (no guidance) or 2 (classifier-free guidance)`);
  }
  const guided = batch === 2;
  const frameOf = bcfhw ? (i: number) => Math.floor(i / (latent.height * latent.width)) % frames : (i: number) => Math.floor(i / (latent.channels * latent.height * latent.width));
  const deviceResidentCache = variant.cache !== null && !variant.swap && request.executionProvider === 'webgpu';
  const deviceOutputs = (key: string) => (deviceResidentCache && key === 'unet-full' ? [CACHE_FEATURE] : undefined);
  const encodeKeys = model.kind === 'image-to-video' ? ['image-encoder', 'vae-encoder'] : ['text-encoder'];
  const unetKeys = files.unetShallow ? ['unet-full', 'unet-shallow'] : ['unet-full'];
  const slices = decodeSlices(frames, model.vaeDecoder.framesPerCall ?? variant.sliceFrames);

  // A tokenizer is loaded and the conditioning image read or drawn before the clock starts: they are inputs.
  const promptTokenizer = model.kind === 'text-to-video' && model.textEncoder.tokenizer ? loadPromptTokenizer(model.textEncoder.tokenizer) : null;
  // An encoder with a free image size gets SD's VAE factor of 8 over the latents.
  const imageShape = model.kind === 'image-to-video' ? staticShape(model.vaeEncoder.inputs.sample, [1, 3, latent.height * 8, latent.width * 8]) : null;
  const imageSize = imageShape ? { height: imageShape[2]!, width: imageShape[3]! } : null;
  const conditioningImage = imageSize
    ? (inputs.image ?? (request.imagePath ? readConditioningImage(request.imagePath, imageSize.height, imageSize.width) : seededImage(request.seed + IMAGE_SEED_OFFSET, imageSize.height, imageSize.width)))
    : null;

  const cache: FeatureCache | null = variant.cache ? createFeatureCache(request.executionProvider, variant.swap, deviceResidentCache) : null;
  return {
    load: async () => {
      if (variant.swap) return;
      await sessions.openSession(encodeKeys[0]!, files.conditionEncoder, 'encode');
      if (files.vaeEncoder) await sessions.openSession('vae-encoder', files.vaeEncoder, 'encode');
      await sessions.openSession('unet-full', files.unetFull, 'denoise', deviceOutputs('unet-full'));
      if (files.unetShallow) await sessions.openSession('unet-shallow', files.unetShallow, 'denoise');
      await sessions.openSession('vae-decoder', files.vaeDecoder, 'decode');
    },

    encode: async () => {
      const encoder = await sessions.sessionFor(encodeKeys[0]!, files.conditionEncoder, 'encode');
      const feeds: Record<string, OrtTensor> = {};
      let imageLatents: Float32Array | null = null;
      let encoderCalls = 1;
      if (model.kind === 'text-to-video') {
        const ids = model.textEncoder.inputs.inputIds;
        const length = staticShape(ids, [1, 77])[1]!;
        const encode = (prompt: string) => (promptTokenizer ? promptTokenizer.encode(prompt, length) : tokenize(prompt, model.textEncoder.vocabSize, length));
        const tokens = inputs.tokenIds ?? { negative: encode(request.negativePrompt), prompt: encode(request.prompt) };
        const prompts = guided ? [tokens.negative, tokens.prompt] : [tokens.prompt];
        // An encoder exported for the whole guided batch takes both prompts in one call; one exported for a single
        // prompt (or with a free batch) is called per prompt, as diffusers encodes them.
        const callsAtOnce = staticShape(ids, [1, length])[0] === prompts.length && prompts.length > 1 ? prompts.length : 1;
        encoderCalls = prompts.length / callsAtOnce;
        const hidden: Float32Array[] = [];
        for (let r = 0; r < prompts.length; r += callsAtOnce) {
          const batch = prompts.slice(r, r + callsAtOnce);
          const out = await encoder.run({ [ids.name]: typedTensor(ids, batch.flat(), [batch.length, length]) });
          const states = await readFloat(out[model.textEncoder.outputs.hiddenStates.name]!);
          const per = states.length / batch.length;
          for (let b = 0; b < batch.length; b++) hidden.push(Float32Array.from(states.subarray(b * per, (b + 1) * per)));
        }
        // AnimateDiff's UNet takes one context row per frame: [uncond × frames, cond × frames].
        const rows = unet.contextBatch === 'per-frame' ? frames : 1;
        feeds[unet.inputs.encoderHiddenStates.name] = floatTensor(repeatRows(hidden, rows), [hidden.length * rows, length, hidden[0]!.length / length]);
      } else {
        const { height, width } = imageSize!;
        const image = conditioningImage!;
        const pixels = model.imageEncoder.inputs.pixelValues;
        const size = staticShape(pixels, [1, 3, 224, 224])[2]!;
        const embedsOut = await encoder.run({ [pixels.name]: floatTensor(clipPixelValues(image, height, width, { size }), [1, 3, size, size]) });
        const embeds = Float32Array.from(await readFloat(embedsOut[model.imageEncoder.outputs.imageEmbeds.name]!));
        // diffusers conditions the unguided half on zero embeddings and zero image latents.
        const rows = guided ? [new Float32Array(embeds.length), embeds] : [embeds];
        feeds[unet.inputs.encoderHiddenStates.name] = floatTensor(repeatRows(rows, 1), [rows.length, 1, embeds.length]);
        const vaeEncoder = await sessions.sessionFor('vae-encoder', files.vaeEncoder!, 'encode');
        const noise = inputs.noiseAugmentation ?? gaussianNoise(request.seed + AUGMENTATION_SEED_OFFSET, image.length);
        const strength = model.conditioning.noiseAugStrength;
        const augmented = image.map((v, i) => v * 2 - 1 + strength * noise[i]!);
        const latentOut = await vaeEncoder.run({ [model.vaeEncoder.inputs.sample.name]: floatTensor(augmented, [1, 3, height, width]) });
        imageLatents = Float32Array.from(await readFloat(latentOut[model.vaeEncoder.outputs.latents.name]!));
        const timeIds = unet.inputs.addedTimeIds!;
        feeds[timeIds.name] = typedTensor(timeIds, addedTimeIds(model.conditioning, batch), [batch, 3]);
      }
      await sessions.endOfStage(encodeKeys);
      return { feeds, imageLatents, encoderCalls };
    },

    denoiser: async (conditioning) => {
      const guidance = frameGuidance(request.guidanceScale, model.kind === 'image-to-video' ? model.maxGuidanceScale : null, frames);
      const noise = inputs.initialNoise ?? gaussianNoise(request.seed, perVideo);
      if (noise.length !== perVideo) throw new HarnessError('shape-mismatch', `initial noise has ${noise.length} values; model ${model.name} needs ${perVideo}`);
      const sampleChannels = sampleShape[bcfhw ? 1 : 2]!;
      const timestep = unet.inputs.timestep;
      return {
        keys: unetKeys,
        noise,
        loop: {
          scheduler: request.scheduler,
          steps: request.steps,
          plan: scheduledCachePlan({
            steps: request.steps,
            cacheSchedule: variant.cache,
            full: await sessions.sessionFor('unet-full', files.unetFull, 'denoise', deviceOutputs('unet-full')),
            shallow: files.unetShallow ? await sessions.sessionFor('unet-shallow', files.unetShallow, 'denoise') : null,
            cache,
            cacheFeature: CACHE_FEATURE,
            noisePrediction: unet.outputs.noisePred.name,
          }),
          feeds: (_, t, scaled) => {
            const sample = new Float32Array(batch * perVideo * (sampleChannels / latent.channels));
            if (conditioning.imageLatents) {
              // [batch, frames, latent + image channels, h, w]: each frame's latents, then the image latents (zero for the unguided half).
              const plane = latent.height * latent.width;
              const perFrameIn = sampleChannels * plane;
              for (let b = 0; b < batch; b++) {
                for (let f = 0; f < frames; f++) {
                  const at = (b * frames + f) * perFrameIn;
                  sample.set(scaled.subarray(f * latent.channels * plane, (f + 1) * latent.channels * plane), at);
                  if (!guided || b === 1) sample.set(conditioning.imageLatents, at + latent.channels * plane);
                }
              }
            } else {
              for (let b = 0; b < batch; b++) sample.set(scaled, b * perVideo);
            }
            return {
              ...conditioning.feeds,
              [unet.inputs.sample.name]: floatTensor(sample, sampleShape),
              [timestep.name]: typedTensor(timestep, [t], timestep.shape?.length === 0 ? [] : [1]),
            };
          },
          guide: (prediction) => (guided ? guideFrames(prediction, guidance, frameOf) : prediction),
          emit,
        },
      };
    },

    decode: async (latents) => {
      const plane = latent.height * latent.width;
      const perFrameLatent = latent.channels * plane;
      // Frames first, [frames, channels, h, w], divided by the scaling factor as diffusers decodes.
      const byFrame = new Float32Array(perVideo);
      for (let f = 0; f < frames; f++) {
        for (let c = 0; c < latent.channels; c++) {
          const from = bcfhw ? (c * frames + f) * plane : (f * latent.channels + c) * plane;
          for (let p = 0; p < plane; p++) byFrame[f * perFrameLatent + c * plane + p] = latents[from + p]! / latent.scalingFactor;
        }
      }
      const decoder = await sessions.sessionFor('vae-decoder', files.vaeDecoder, 'decode');
      let output: Float32Array | null = null;
      let shape: [number, number, number, number] = [frames, 3, 0, 0];
      let at = 0;
      for (const size of slices) {
        const out = await decoder.run({ [model.vaeDecoder.inputs.latents.name]: floatTensor(byFrame.slice(at * perFrameLatent, (at + size) * perFrameLatent), [size, latent.channels, latent.height, latent.width]) });
        const tensor = out[model.vaeDecoder.outputs.sample.name]!;
        const pixels = await readFloat(tensor);
        if (!output) {
          shape = [frames, 3, tensor.dims[2]!, tensor.dims[3]!];
          output = new Float32Array(frames * 3 * shape[2] * shape[3]);
        }
        const perFrame = 3 * shape[2] * shape[3];
        for (let i = 0; i < pixels.length; i++) output[at * perFrame + i] = Math.min(1, Math.max(0, pixels[i]! / 2 + 0.5));
        at += size;
      }
      await sessions.endOfStage(['vae-decoder']);
      return { output: output!, shape };
    },

    flops: (conditioning, steps) => ({
      // Each encoder's work was counted for one call at its stated batch.
      encode: files.flops.conditionEncoder * conditioning.encoderCalls + files.flops.vaeEncoder,
      denoise: steps.reduce((sum, step) => sum + (step.kind === 'full' ? files.flops.unetFull : files.flops.unetShallow), 0),
      // Work was counted at the decoder's stated batch (1 where it is symbolic).
      decode: (files.flops.vaeDecoder * frames) / (model.vaeDecoder.framesPerCall ?? staticShape(model.vaeDecoder.inputs.latents, [1])[0]!),
    }),
  };
}
