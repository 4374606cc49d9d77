import { basename, resolve } from 'node:path';
import { HarnessError } from '../harness-error.ts';
import type { OnnxModel, TensorSignature } from '../onnx/model-file.ts';
import { closestNames, graphInputs, graphOutputs, nodeOutputNames } from '../onnx/model-file.ts';
import { parseModelManifest, readManifestFile, resolveComponent } from './model-manifest.ts';
import type { DitTextToVideoManifest, ManifestDitBlocks, UserCausalFrames, UserDitSource, UserModelTensor } from './types.ts';

const toTensor = (s: TensorSignature): UserModelTensor => ({ name: s.name, elementType: s.elementType, shape: s.shape });

function shapeText(tensor: UserModelTensor): string {
  return tensor.shape ? `[${tensor.shape.join(', ')}]` : '(no stated shape)';
}

function expectShape(source: string, field: string, file: string, tensor: UserModelTensor, expected: (number | null)[], why: string): void {
  const shape = tensor.shape;
  if (!shape) return;
  const matches = shape.length === expected.length && expected.every((size, i) => size === null || typeof shape[i] !== 'number' || shape[i] === size);
  if (!matches) {
    const wanted = `[${expected.map((d) => d ?? '?').join(', ')}]`;
    throw new HarnessError('shape-mismatch', `${source}: ${field} "${tensor.name}" is ${shapeText(tensor)} in ${basename(file)}; expected ${wanted} ${why}`);
  }
}

/** Every block tensor the manifest names must be produced by a node of the denoiser graph. */
function checkBlocks(source: string, file: string, blocks: ManifestDitBlocks, model: OnnxModel): void {
  if (blocks.outputs.length !== blocks.count) {
    throw new HarnessError('bad-model-manifest', `${source}: denoiser.architecture.blocks: count is ${blocks.count} but outputs lists ${blocks.outputs.length} blocks`);
  }
  const produced = nodeOutputNames(model);
  const named: [string, string][] = [
    ...Object.entries(blocks.input).map(([stream, name]): [string, string] => [`input.${stream}`, name!]),
    ...blocks.outputs.flatMap((out, i) => Object.entries(out).map(([stream, name]): [string, string] => [`outputs.${i}.${stream}`, name!])),
  ];
  for (const [field, name] of named) {
    if (!produced.has(name)) {
      throw new HarnessError(
        'unknown-tensor',
        `${source}: denoiser.architecture.blocks.${field} is "${name}", which no node of ${basename(file)} produces (closest: ${closestNames(name, produced, 5).join(', ')})`,
      );
    }
  }
  for (const stream of blocks.streams) {
    if (!blocks.input[stream]) throw new HarnessError('bad-model-manifest', `${source}: denoiser.architecture.blocks.input: no tensor for the ${stream} stream`);
    // The last MM-DiT block's text output is read by nothing, so an exporter may drop it; every other block hands each stream on.
    blocks.outputs.forEach((out, i) => {
      if (!out[stream] && !(stream === 'text' && i === blocks.count - 1)) {
        throw new HarnessError('bad-model-manifest', `${source}: denoiser.architecture.blocks.outputs.${i}: no tensor for the ${stream} stream`);
      }
    });
  }
}

/** The named graph tensors, each an `[index in the manifest list, name]`; an unknown name is an error naming its index. */
function pickTensors(source: string, field: string, file: string, entries: (readonly [number, string])[], available: TensorSignature[], side: 'input' | 'output'): UserModelTensor[] {
  const byName = new Map(available.map((t) => [t.name, t]));
  return entries.map(([index, name]) => {
    const tensor = byName.get(name);
    if (!tensor) {
      throw new HarnessError('unknown-tensor', `${source}: ${field}.${index} is "${name}", but ${basename(file)} has no ${side} of that name (closest: ${closestNames(name, [...byName.keys()], 3).join(', ')})`);
    }
    return toTensor(tensor);
  });
}

const indexed = (names: string[]) => names.map((name, i) => [i, name] as const);

/** The per-frame causal decoder: both graphs open, cache names resolved, and each cache slot the same shape out of one call and into the next (a slot the first frame leaves null starts as zeros). */
async function resolveCausalFrames(source: string, manifest: DitTextToVideoManifest): Promise<UserCausalFrames | null> {
  const spec = manifest.vaeDecoder.causalFrames;
  if (!spec) return null;
  const first = await resolveComponent(source, 'vaeDecoder.causalFrames.firstFrame', spec.firstFrame);
  const next = await resolveComponent(source, 'vaeDecoder.causalFrames.nextFrame', spec.nextFrame);
  const named = spec.firstFrame.cacheOutputs.flatMap((name, i) => (name === null ? [] : [[i, name] as const]));
  const picked = pickTensors(source, 'vaeDecoder.causalFrames.firstFrame.cacheOutputs', first.component.path, named, graphOutputs(first.model), 'output');
  const firstOut: (UserModelTensor | null)[] = spec.firstFrame.cacheOutputs.map(() => null);
  named.forEach(([slot], i) => (firstOut[slot] = picked[i]!));
  const nextIn = pickTensors(source, 'vaeDecoder.causalFrames.nextFrame.cacheInputs', next.component.path, indexed(spec.nextFrame.cacheInputs), graphInputs(next.model), 'input');
  const nextOut = pickTensors(source, 'vaeDecoder.causalFrames.nextFrame.cacheOutputs', next.component.path, indexed(spec.nextFrame.cacheOutputs), graphOutputs(next.model), 'output');
  if (firstOut.length !== nextIn.length || nextOut.length !== nextIn.length) {
    throw new HarnessError(
      'bad-model-manifest',
      `${source}: vaeDecoder.causalFrames: the first frame lists ${firstOut.length} cache slots, the next frame takes ${nextIn.length} and hands on ${nextOut.length}; they must be the same slots`,
    );
  }
  nextIn.forEach((slot, i) => {
    for (const [what, other] of [['firstFrame.cacheOutputs', firstOut[i]], ['nextFrame.cacheOutputs', nextOut[i]!]] as const) {
      if (other && slot.shape && other.shape && JSON.stringify(slot.shape) !== JSON.stringify(other.shape)) {
        throw new HarnessError(
          'shape-mismatch',
          `${source}: vaeDecoder.causalFrames.${what}.${i} "${other.name}" is ${shapeText(other)} but nextFrame.cacheInputs.${i} "${slot.name}" is ${shapeText(slot)}; a cache slot keeps its shape from call to call`,
        );
      }
    }
  });
  return {
    temporalCompression: spec.temporalCompression,
    firstFrame: { ...first.component, cacheOutputs: firstOut },
    nextFrame: { ...next.component, cacheInputs: nextIn, cacheOutputs: nextOut },
  };
}

/**
 * Reads and validates a diffusion-transformer manifest (kind `text-to-video-dit`), opens every ONNX file it names
 * (graphs only) and checks role names, the block tensors, the latent and patch dimensions and the causal decoder's
 * cache. Every problem is a HarnessError naming the field, the file and the value.
 */
export async function loadDitManifest(manifestPath: string): Promise<UserDitSource> {
  const source = resolve(manifestPath);
  const manifest = parseModelManifest(await readManifestFile(source), source);
  if (manifest.kind !== 'text-to-video-dit') {
    throw new HarnessError('bad-model-manifest', `${source}: kind is "${manifest.kind}"; a diffusion-transformer manifest has kind "text-to-video-dit"`);
  }
  const { latent, video } = manifest;
  const [pt, ph, pw] = manifest.denoiser.architecture.patchSize;
  if (latent.frames % pt !== 0 || latent.height % ph !== 0 || latent.width % pw !== 0) {
    throw new HarnessError(
      'shape-mismatch',
      `${source}: latent ${latent.frames}×${latent.height}×${latent.width} (frames×h×w) does not divide into patches of ${pt}×${ph}×${pw} (denoiser.architecture.patchSize)`,
    );
  }
  const textEncoder = await resolveComponent(source, 'textEncoder', manifest.textEncoder);
  const denoiser = await resolveComponent(source, 'denoiser', manifest.denoiser);
  const vaeDecoder = await resolveComponent(source, 'vaeDecoder', manifest.vaeDecoder);
  checkBlocks(source, denoiser.component.path, manifest.denoiser.architecture.blocks, denoiser.model);
  const teaCache = manifest.denoiser.teaCache ?? null;
  if (teaCache && !nodeOutputNames(denoiser.model).has(teaCache.modulatedInput)) {
    const produced = nodeOutputNames(denoiser.model);
    throw new HarnessError('unknown-tensor', `${source}: denoiser.teaCache.modulatedInput is "${teaCache.modulatedInput}", which no node of ${basename(denoiser.component.path)} produces (closest: ${closestNames(teaCache.modulatedInput, produced, 5).join(', ')})`);
  }

  const length = manifest.textEncoder.maxSequenceLength;
  const te = textEncoder.component;
  expectShape(source, 'textEncoder.inputs.inputIds', te.path, te.inputs.inputIds, [1, length], `(maxSequenceLength ${length})`);
  expectShape(source, 'textEncoder.inputs.attentionMask', te.path, te.inputs.attentionMask, [1, length], `(maxSequenceLength ${length})`);
  const dn = denoiser.component;
  const latentAxes = [null, latent.channels, latent.frames, latent.height, latent.width];
  const why = `([batch, channels, frames, h, w] of latent ${latent.channels}×${latent.frames}×${latent.height}×${latent.width})`;
  expectShape(source, 'denoiser.inputs.sample', dn.path, dn.inputs.sample, latentAxes, why);
  expectShape(source, 'denoiser.outputs.noisePred', dn.path, dn.outputs.noisePred, latentAxes, why);
  const batch = typeof dn.inputs.sample.shape?.[0] === 'number' ? (dn.inputs.sample.shape[0] as number) : null;
  expectShape(source, 'denoiser.inputs.timestep', dn.path, dn.inputs.timestep, [batch], '(one timestep per batch row)');
  expectShape(source, 'denoiser.inputs.encoderHiddenStates', dn.path, dn.inputs.encoderHiddenStates, [batch, length, null], `([batch, maxSequenceLength ${length}, width])`);
  const vd = vaeDecoder.component;
  expectShape(source, 'vaeDecoder.inputs.latents', vd.path, vd.inputs.latents, [1, latent.channels, manifest.vaeDecoder.framesPerCall ?? latent.frames, latent.height, latent.width], why);
  const causalFrames = await resolveCausalFrames(source, manifest);
  if (causalFrames) {
    const frameAxes = [1, latent.channels, 1, latent.height, latent.width];
    expectShape(source, 'vaeDecoder.causalFrames.firstFrame.inputs.latents', causalFrames.firstFrame.path, causalFrames.firstFrame.inputs.latents, frameAxes, '(one latent frame)');
    expectShape(source, 'vaeDecoder.causalFrames.nextFrame.inputs.latents', causalFrames.nextFrame.path, causalFrames.nextFrame.inputs.latents, frameAxes, '(one latent frame)');
    const decoded = 1 + (latent.frames - 1) * causalFrames.temporalCompression;
    if (decoded !== video.frames) {
      throw new HarnessError(
        'shape-mismatch',
        `${source}: ${latent.frames} latent frames decode to 1 + ${latent.frames - 1}·${causalFrames.temporalCompression} = ${decoded} frames (vaeDecoder.causalFrames.temporalCompression), but video.frames is ${video.frames}`,
      );
    }
  }
  return {
    manifestPath: source,
    name: manifest.name,
    description: manifest.description ?? null,
    kind: 'text-to-video-dit',
    textEncoder: { ...te, vocabSize: manifest.textEncoder.vocabSize, maxSequenceLength: length, statesPastPrompt: manifest.textEncoder.statesPastPrompt },
    denoiser: {
      ...dn,
      architecture: manifest.denoiser.architecture,
      guidanceCalls: manifest.denoiser.guidanceCalls,
      teaCache,
      magCache: manifest.denoiser.magCache ?? null,
      tokens: { image: (latent.frames / pt) * (latent.height / ph) * (latent.width / pw), text: length },
    },
    vaeDecoder: { ...vd, framesPerCall: manifest.vaeDecoder.framesPerCall ?? null, causalFrames },
    latent,
    video,
    scheduler: manifest.scheduler,
    sourceScheduler: manifest.sourceScheduler ?? null,
    guidanceScale: manifest.guidanceScale,
    defaultSteps: manifest.defaultSteps ?? null,
  };
}

/** The manifest kind of a file, read without validating the rest (to pick the loader). */
export async function manifestKind(manifestPath: string): Promise<unknown> {
  const parsed = await readManifestFile(resolve(manifestPath));
  return parsed !== null && typeof parsed === 'object' ? (parsed as { kind?: unknown }).kind : undefined;
}
