import { attentionFormFor, attentionReport } from './attention-form.ts';
import { denoise } from './denoise-loop.ts';
import { scheduledCachePlan } from './scheduled-cache-plan.ts';
import type { FeatureCache } from './feature-cache.ts';
import { createFeatureCache } from './feature-cache.ts';
import { ensureModel, ensureOptimizedModel, modelWork } from './models/model-store.ts';
import { TEXT_BATCH } from './models/text-encoder.ts';
import { TEXT_IO, UNET_IO, VAE_IO } from './models/types.ts';
import { floatTensor, int64Tensor, readFloat } from './ort-backend.ts';
import { applyClassifierFreeGuidance } from './schedulers/classifier-free-guidance.ts';
import { gaussianNoise } from './seeded-random.ts';
import { tokenize } from './tokenizer.ts';
import { StageSessions } from './stage-sessions.ts';
import type { AttentionReport, PipelineEvent, PipelineOutput, PipelineRequest, StageName } from './types.ts';

/** Model files one variant needs, built (or found in the cache) before any timing starts. */
export interface ModelFiles {
  textEncoder: string;
  unetFull: string;
  unetShallow: string | null;
  /** VAE decoder per slice size (frames decoded per call). */
  vaeDecoder: Map<number, string>;
  /** True when the files were optimised ahead of time, so sessions load them with optimisation off. */
  preOptimized: boolean;
  /** Floating-point operations of one call of each model, counted from the unoptimised graphs. */
  flops: { textEncoder: number; unetFull: number; unetShallow: number; vaeDecoder: Map<number, number> };
  /** The attention form the denoiser graphs were built with. */
  attention: AttentionReport;
}

/** Frames decoded per VAE call: all at once, or slices of k with a shorter last slice. */
export function decodeSlices(frames: number, sliceFrames: number | null): number[] {
  const k = sliceFrames ?? frames;
  const slices: number[] = [];
  for (let done = 0; done < frames; done += k) slices.push(Math.min(k, frames - done));
  return slices;
}

export async function prepareModels(request: PipelineRequest): Promise<ModelFiles> {
  const { preset, variant, frames, modelDir } = request;
  // Optimising once ahead of time keeps ORT's graph optimiser out of every timed session creation; its
  // layouts are CPU-specific, so other providers optimise at load.
  const level = request.session.graphOptimizationLevel;
  const preOptimize = request.executionProvider === 'cpu' && level !== 'disabled';
  let preOptimized = preOptimize;
  const attention = attentionFormFor(request.session, request.executionProvider);
  // Work is counted on the unoptimised graph, whose operators and shapes are the model's own.
  const ready = async (path: string) => {
    const { flops, attentionNodes } = await modelWork(path);
    if (!preOptimize) return { path, flops, attentionNodes };
    const optimized = await ensureOptimizedModel(path, level);
    if (!optimized) preOptimized = false;
    return { path: optimized ?? path, flops, attentionNodes };
  };
  const unet = async (mode: 'full' | 'full-with-cache' | 'shallow') =>
    ready(await ensureModel(modelDir, preset, { component: 'unet', mode, cacheBranch: variant.cache?.branch ?? 0, chunks: variant.chunks, frames, videos: TEXT_BATCH, attention }));
  const vaeDecoder = new Map<number, string>();
  const vaeFlops = new Map<number, number>();
  for (const size of new Set(decodeSlices(frames, variant.sliceFrames))) {
    const vae = await ready(await ensureModel(modelDir, preset, { component: 'vae-decoder', frames: size, attention }));
    vaeDecoder.set(size, vae.path);
    vaeFlops.set(size, vae.flops);
  }
  const text = await ready(await ensureModel(modelDir, preset, { component: 'text-encoder', attention }));
  const full = await unet(variant.cache ? 'full-with-cache' : 'full');
  const shallow = variant.cache && variant.cache.interval > 1 ? await unet('shallow') : null;
  return {
    textEncoder: text.path,
    unetFull: full.path,
    unetShallow: shallow?.path ?? null,
    vaeDecoder,
    preOptimized,
    flops: { textEncoder: text.flops, unetFull: full.flops, unetShallow: shallow?.flops ?? 0, vaeDecoder: vaeFlops },
    attention: attentionReport(request.session, request.executionProvider, {
      fused: full.attentionNodes.fused + (shallow?.attentionNodes.fused ?? 0),
      unfused: full.attentionNodes.unfused + (shallow?.attentionNodes.unfused ?? 0),
    }),
  };
}

/**
 * One text-to-video run: load → encode → denoise → decode. Sessions of a resident variant are created in `load`
 * and kept to the end; with `swap` each stage creates its own sessions at its start and releases them at its end,
 * and each move is itemised. Events are emitted synchronously so an observer can reset memory peaks per stage.
 */
export async function runPipeline(request: PipelineRequest, files: ModelFiles, emit: (event: PipelineEvent) => void = () => {}): Promise<PipelineOutput> {
  const { preset, variant, frames } = request;
  const sessions = StageSessions.forRun(request, files.preOptimized, emit);
  const stage = <T>(name: StageName, body: () => Promise<T>) => sessions.stage(name, body);
  // Only WebGPU can keep an output on the device between runs; there DeepCache's feature stays on the GPU,
  // while LightCache's swap keeps it in host memory (the runtime uploads it for each cached step).
  const deviceResidentCache = variant.cache !== null && !variant.swap && request.executionProvider === 'webgpu';
  const deviceOutputs = (key: string) => (deviceResidentCache && key === 'unet-full' ? [UNET_IO.cacheFeature] : undefined);
  const openSession = (key: string, path: string, servesStage: StageName) => sessions.openSession(key, path, servesStage, deviceOutputs(key));
  const sessionFor = (key: string, path: string, servesStage: StageName) => sessions.sessionFor(key, path, servesStage, deviceOutputs(key));
  const closeSession = (key: string) => sessions.closeSession(key);
  const endOfStage = (keys: string[]) => sessions.endOfStage(keys);

  const unetKeys = files.unetShallow ? ['unet-full', 'unet-shallow'] : ['unet-full'];
  const vaeKey = (size: number) => `vae-decoder-x${size}`;
  const slices = decodeSlices(frames, variant.sliceFrames);

  return sessions.run(async () => {
    await stage('load', async () => {
      if (variant.swap) return;
      await openSession('text-encoder', files.textEncoder, 'encode');
      await openSession('unet-full', files.unetFull, 'denoise');
      if (files.unetShallow) await openSession('unet-shallow', files.unetShallow, 'denoise');
      for (const [size, path] of files.vaeDecoder) await openSession(vaeKey(size), path, 'decode');
    });

    const context = await stage('encode', async () => {
      const encoder = await sessionFor('text-encoder', files.textEncoder, 'encode');
      const t = preset.text.contextLength;
      const ids = [...tokenize(request.negativePrompt, preset.text.vocabSize, t), ...tokenize(request.prompt, preset.text.vocabSize, t)];
      const out = await encoder.run({ [TEXT_IO.ids]: int64Tensor(BigInt64Array.from(ids, BigInt), [TEXT_BATCH, t]) });
      const hidden = await readFloat(out[TEXT_IO.hidden]!);
      await endOfStage(['text-encoder']);
      // AnimateDiff feeds every frame the same context: [uncond × frames, cond × frames].
      const perPrompt = t * preset.text.width;
      const expanded = new Float32Array(TEXT_BATCH * frames * perPrompt);
      for (let v = 0; v < TEXT_BATCH; v++) {
        const row = hidden.subarray(v * perPrompt, (v + 1) * perPrompt);
        for (let f = 0; f < frames; f++) expanded.set(row, (v * frames + f) * perPrompt);
      }
      return floatTensor(expanded, [TEXT_BATCH * frames, t, preset.text.width]);
    });

    const cache: FeatureCache | null = variant.cache ? createFeatureCache(request.executionProvider, variant.swap, deviceResidentCache) : null;
    const { latents, steps } = await stage('denoise', async () => {
      const latentShape = [frames, preset.latentChannels, preset.latentHeight, preset.latentWidth];
      const perVideo = latentShape.reduce((a, b) => a * b, 1);
      const result = await denoise(
        {
          scheduler: request.scheduler,
          steps: request.steps,
          plan: scheduledCachePlan({
            steps: request.steps,
            cacheSchedule: variant.cache,
            full: await sessionFor('unet-full', files.unetFull, 'denoise'),
            shallow: files.unetShallow ? await sessionFor('unet-shallow', files.unetShallow, 'denoise') : null,
            cache,
            cacheFeature: UNET_IO.cacheFeature,
            noisePrediction: UNET_IO.noise,
          }),
          feeds: (_, timestep, scaled) => {
            const batched = new Float32Array(TEXT_BATCH * perVideo);
            batched.set(scaled, 0);
            batched.set(scaled, perVideo);
            return {
              [UNET_IO.sample]: floatTensor(batched, [TEXT_BATCH * frames, ...latentShape.slice(1)]),
              [UNET_IO.timestep]: floatTensor(new Float32Array([timestep]), [1]),
              [UNET_IO.context]: context,
            };
          },
          guide: (noise) => applyClassifierFreeGuidance(noise, request.guidanceScale),
          emit,
        },
        gaussianNoise(request.seed, perVideo),
      );
      await endOfStage(unetKeys);
      return result;
    });

    const framesOut = await stage('decode', async () => {
      const perFrameLatent = preset.latentChannels * preset.latentHeight * preset.latentWidth;
      const height = preset.latentHeight * 8;
      const width = preset.latentWidth * 8;
      const perFrame = 3 * height * width;
      const output = new Float32Array(frames * perFrame);
      let at = 0;
      for (const [index, size] of slices.entries()) {
        const decoder = await sessionFor(vaeKey(size), files.vaeDecoder.get(size)!, 'decode');
        const input = latents.slice(at * perFrameLatent, (at + size) * perFrameLatent);
        const out = await decoder.run({ [VAE_IO.latents]: floatTensor(input, [size, preset.latentChannels, preset.latentHeight, preset.latentWidth]) });
        output.set(await readFloat(out[VAE_IO.frames]!), at * perFrame);
        at += size;
        // With swap the decoder of a slice size is released once no later slice needs it.
        if (variant.swap && !slices.slice(index + 1).includes(size)) await closeSession(vaeKey(size));
      }
      return { output, shape: [frames, 3, height, width] as [number, number, number, number] };
    });

    const encodeFlops = files.flops.textEncoder;
    const denoiseFlops = steps.reduce((sum, step) => sum + (step.kind === 'full' ? files.flops.unetFull : files.flops.unetShallow), 0);
    const decodeFlops = slices.reduce((sum, size) => sum + files.flops.vaeDecoder.get(size)!, 0);
    return { frames: framesOut.output, frameShape: framesOut.shape, steps, cache: cache?.report() ?? null, flops: { encode: encodeFlops, denoise: denoiseFlops, decode: decodeFlops } };
  });
}
