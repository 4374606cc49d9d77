import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AttentionForm } from '../onnx/types.ts';
import { DIT_BLOCK_NAMES } from './dit.ts';
import { loadDitManifest } from './dit-manifest.ts';
import { WAN_2_1_T2V_1_3B_TEACACHE } from './dit-presets.ts';
import { buildDitTextEncoderGraph } from './dit-text-encoder.ts';
import { buildDitVaeDecoderGraph, ditPixelFrames } from './dit-vae-decoder.ts';
import { DIT_BUILDER_VERSION, WEIGHT_SEED, ensureBuiltGraph, ensureDitModel } from './model-store.ts';
import type { ModelStoreOptions } from './model-store.ts';
import type { DitPreset, DitPresetGraphs, DitVaeGraphMode, UserDitSource } from './types.ts';
import { DIT_IO, DIT_TEXT_IO, DIT_VAE_IO } from './types.ts';

// A built-in DiT preset written out as a diffusion-transformer manifest in the model cache, so it runs through the
// very pipeline, preparation (attention fusion, block cache) and variants that exported DiT manifests run through.

/** Wan 2.1's default sampler as diffusers ships it: UniPC in flow-prediction mode, shift 3 (480p). */
const WAN_SCHEDULER = {
  kind: 'unipc',
  numTrainTimesteps: 1000,
  predictionType: 'flow_prediction',
  flowShift: 3.0,
  solverOrder: 2,
  solverType: 'bh2',
  lowerOrderFinal: true,
  disableCorrector: [],
} as const;

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Cache key of one of a preset's text-encoder and VAE graphs: builder version, weights seed, the preset and the attention form (none in the VAE). */
function graphKey(preset: DitPreset, what: string, attention: AttentionForm | null): string {
  return `${preset.name}-${what}-${digest({ DIT_BUILDER_VERSION, WEIGHT_SEED, preset, what, attention })}`;
}

/** Every graph of a preset, built on first use: text encoder, the whole transformer at the guided batch, the three VAE graphs. */
async function ensureGraphs(modelDir: string, preset: DitPreset, attention: AttentionForm, options: ModelStoreOptions): Promise<Omit<DitPresetGraphs, 'manifestPath'>> {
  const vae = (mode: DitVaeGraphMode) => ensureBuiltGraph(modelDir, graphKey(preset, `vae-decoder-${mode}`, null), () => buildDitVaeDecoderGraph(preset, mode, WEIGHT_SEED));
  return {
    textEncoder: await ensureBuiltGraph(modelDir, graphKey(preset, 'text-encoder', attention), () => buildDitTextEncoderGraph(preset, WEIGHT_SEED, true, attention)),
    transformer: await ensureDitModel(modelDir, preset, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 2, attention }, options),
    vaeDecoder: await vae('whole-video'),
    firstFrame: await vae('first-frame'),
    nextFrame: await vae('next-frame'),
  };
}

/** The manifest of a preset whose graphs are `files` (named relative to the manifest, which sits beside them). */
function presetManifest(preset: DitPreset, files: Omit<DitPresetGraphs, 'manifestPath'>): Record<string, unknown> {
  const next = buildDitVaeDecoderGraph(preset, 'next-frame', WEIGHT_SEED, false).signature();
  const firstOutputs = new Set(buildDitVaeDecoderGraph(preset, 'first-frame', WEIGHT_SEED, false).signature().outputs.map((o) => o.name));
  const slots = next.inputs.filter((i) => i.name.startsWith(DIT_VAE_IO.cacheIn)).map((i) => Number(i.name.slice(DIT_VAE_IO.cacheIn.length)));
  const cacheOut = (slot: number) => `${DIT_VAE_IO.cacheOut}${slot}`;
  const layers = preset.transformer.layers;
  return {
    manifestVersion: 1,
    name: preset.name,
    description: `built-in preset ${preset.name}: ${preset.description}`,
    kind: 'text-to-video-dit',
    textEncoder: {
      file: basename(files.textEncoder),
      inputs: { inputIds: DIT_TEXT_IO.ids, attentionMask: DIT_TEXT_IO.mask },
      outputs: { hiddenStates: DIT_TEXT_IO.hidden },
      vocabSize: preset.text.vocabSize,
      maxSequenceLength: preset.textTokens,
      statesPastPrompt: 'zero',
    },
    denoiser: {
      kind: 'dit',
      file: basename(files.transformer),
      inputs: { sample: DIT_IO.sample, timestep: DIT_IO.timestep, encoderHiddenStates: DIT_IO.context },
      outputs: { noisePred: DIT_IO.noise },
      architecture: {
        patchSize: preset.transformer.patch,
        rotaryEmbedding: '3d',
        timestepModulation: 'per-block',
        textConditioning: 'cross-attention',
        blocks: { count: layers, streams: ['image'], input: { image: DIT_BLOCK_NAMES.input }, outputs: Array.from({ length: layers }, (_, i) => ({ image: DIT_BLOCK_NAMES.output(i) })) },
      },
      guidanceCalls: 'batched',
      teaCache: { modulatedInput: DIT_BLOCK_NAMES.timeEmbedding, coefficients: [...WAN_2_1_T2V_1_3B_TEACACHE.coefficients], coefficientsSource: WAN_2_1_T2V_1_3B_TEACACHE.coefficientsSource },
    },
    vaeDecoder: {
      file: basename(files.vaeDecoder),
      inputs: { latents: DIT_VAE_IO.latents },
      outputs: { sample: DIT_VAE_IO.sample },
      framesPerCall: null,
      causalFrames: {
        temporalCompression: 4,
        firstFrame: {
          file: basename(files.firstFrame),
          inputs: { latents: DIT_VAE_IO.frame },
          outputs: { sample: DIT_VAE_IO.sample },
          cacheOutputs: slots.map((slot) => (firstOutputs.has(cacheOut(slot)) ? cacheOut(slot) : null)),
        },
        nextFrame: {
          file: basename(files.nextFrame),
          inputs: { latents: DIT_VAE_IO.frame },
          outputs: { sample: DIT_VAE_IO.sample },
          cacheInputs: slots.map((slot) => `${DIT_VAE_IO.cacheIn}${slot}`),
          cacheOutputs: slots.map(cacheOut),
        },
      },
    },
    // Random weights: the latents need no per-channel statistics.
    latent: { channels: preset.latentChannels, height: preset.latentHeight, width: preset.latentWidth, frames: preset.frames, scalingFactor: 1 },
    video: { frames: ditPixelFrames(preset.frames), height: 8 * preset.latentHeight, width: 8 * preset.latentWidth },
    scheduler: WAN_SCHEDULER,
    guidanceScale: preset.guidanceScale,
    defaultSteps: preset.defaultSteps,
  };
}

/**
 * A preset's graphs and its manifest in `modelDir`, built on first use. The manifest is written under a temporary
 * name and renamed, and names the graphs by their content keys, so it never points at another build's files.
 */
export async function ensureDitPresetGraphs(modelDir: string, preset: DitPreset, attention: AttentionForm, options: ModelStoreOptions = {}): Promise<DitPresetGraphs> {
  const files = await ensureGraphs(modelDir, preset, attention, options);
  const manifestPath = join(modelDir, `${preset.name}-manifest-${digest({ DIT_BUILDER_VERSION, files: Object.values(files).map((f) => basename(f)) })}.json`);
  if (!existsSync(manifestPath)) {
    await mkdir(modelDir, { recursive: true });
    const temporary = `${manifestPath}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(temporary, `${JSON.stringify(presetManifest(preset, files), null, 2)}\n`);
    await rename(temporary, manifestPath);
  }
  return { manifestPath, ...files };
}

/** A built-in DiT preset as a loaded (validated) diffusion-transformer manifest, its graphs built with `attention`. */
export async function loadDitPreset(modelDir: string, preset: DitPreset, attention: AttentionForm, options: ModelStoreOptions = {}): Promise<UserDitSource> {
  const graphs = await ensureDitPresetGraphs(modelDir, preset, attention, options);
  return { ...(await loadDitManifest(graphs.manifestPath)), builtFrom: { preset, attention } };
}

/** `model` (a materialised preset) as the same preset built with another attention form; tensor names are the same in both. */
export async function withAttentionForm(modelDir: string, model: UserDitSource, attention: AttentionForm): Promise<UserDitSource> {
  if (!model.builtFrom || model.builtFrom.attention === attention) return model;
  return loadDitPreset(modelDir, model.builtFrom.preset, attention);
}
