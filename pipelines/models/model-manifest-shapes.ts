import { basename } from 'node:path';
import { HarnessError } from '../harness-error.ts';
import type { UserImageToVideoSource, UserModelSource, UserModelTensor, UserTextToVideoSource } from './types.ts';

// Rank and dimension checks of a user model's tensors against its manifest. Only what a graph states is checked:
// symbolic or unknown dimensions pass, and so does a tensor whose file gives no shape.

/** One expected axis: its name in messages, and the size it must have (null: any). */
type Axis = [name: string, size: number | null];

function expectAxes(source: string, field: string, file: string, tensor: UserModelTensor, axes: Axis[], why = ''): void {
  const shape = tensor.shape;
  if (!shape) return;
  const layout = `[${axes.map(([name]) => name).join(', ')}]`;
  if (shape.length !== axes.length) {
    throw new HarnessError(
      'shape-mismatch',
      `${source}: ${field} "${tensor.name}" has rank ${shape.length} in ${basename(file)} ([${shape.join(', ')}]); expected rank ${axes.length}, ${layout}${why}`,
    );
  }
  axes.forEach(([name, size], i) => {
    const actual = shape[i];
    if (size !== null && typeof actual === 'number' && actual !== size) {
      throw new HarnessError(
        'shape-mismatch',
        `${source}: ${field} "${tensor.name}" is [${shape.join(', ')}] in ${basename(file)}; its ${name} axis (dimension ${i} of ${layout}) should be ${size}${why}`,
      );
    }
  });
}

/** Whether the tensor's stated shape has the axes' rank and sizes (symbolic or unknown dimensions fit any size). */
function fitsAxes(tensor: UserModelTensor, axes: Axis[]): boolean {
  const shape = tensor.shape;
  if (!shape) return true;
  return shape.length === axes.length && axes.every(([, size], i) => size === null || typeof shape[i] !== 'number' || shape[i] === size);
}

const staticDim = (tensor: UserModelTensor, index: number): number | null => {
  const d = tensor.shape?.[index];
  return typeof d === 'number' ? d : null;
};

/** The UNet's sample and noise prediction in its layout, its context batch, and the VAE decoder's latents. */
function checkCommon(source: string, model: UserModelSource, sampleChannels: number): number | null {
  const { unet, latent } = model;
  const axesOf = (sampleLayout: string, channels: number | null): Axis[] =>
    sampleLayout === 'BCFHW'
      ? [['batch', null], ['channels', channels], ['frames', latent.frames], ['height', latent.height], ['width', latent.width]]
      : [['batch', null], ['frames', latent.frames], ['channels', channels], ['height', latent.height], ['width', latent.width]];
  const layout = (channels: number | null): Axis[] => axesOf(unet.sampleLayout, channels);
  const why = ` (sampleLayout ${unet.sampleLayout}, latent ${latent.channels}×${latent.frames}×${latent.height}×${latent.width})`;
  // Frames and channels swapped is the usual slip: say which layout the graph has, not only which axis is off.
  const other = unet.sampleLayout === 'BCFHW' ? 'BFCHW' : 'BCFHW';
  const sample = unet.inputs.sample;
  if (!fitsAxes(sample, layout(sampleChannels)) && fitsAxes(sample, axesOf(other, sampleChannels))) {
    throw new HarnessError(
      'shape-mismatch',
      `${source}: unet.sampleLayout is ${unet.sampleLayout}, but unet.inputs.sample "${sample.name}" is [${sample.shape!.join(', ')}] in ${basename(unet.path)}, which is the ${other} layout ([${axesOf(other, sampleChannels).map(([name]) => name).join(', ')}]) for latent ${latent.channels}×${latent.frames}×${latent.height}×${latent.width}; set unet.sampleLayout to "${other}"`,
    );
  }
  expectAxes(source, 'unet.inputs.sample', unet.path, unet.inputs.sample, layout(sampleChannels), why);
  expectAxes(source, 'unet.outputs.noisePred', unet.path, unet.outputs.noisePred, layout(latent.channels), why);
  const timestep = unet.inputs.timestep;
  if (timestep.shape && timestep.shape.length > 1) {
    throw new HarnessError('shape-mismatch', `${source}: unet.inputs.timestep "${timestep.name}" has rank ${timestep.shape.length} in ${basename(unet.path)}; a timestep is a scalar or [1]`);
  }
  const batch = staticDim(unet.inputs.sample, 0);
  const contextRows = batch === null ? null : unet.contextBatch === 'per-frame' ? batch * latent.frames : batch;
  expectAxes(source, 'unet.inputs.encoderHiddenStates', unet.path, unet.inputs.encoderHiddenStates, [['batch', contextRows], ['tokens', null], ['width', null]], ` (contextBatch ${unet.contextBatch})`);
  for (const point of unet.cutPoints) {
    expectAxes(source, `unet.deepCache.cutPoints (branch ${point.branch})`, unet.path, point.tensor, [['batch·frames', batch === null ? null : batch * latent.frames], ['channels', null], ['height', null], ['width', null]]);
  }
  const decoder = model.vaeDecoder;
  if (decoder.framesPerCall !== null && latent.frames % decoder.framesPerCall !== 0) {
    throw new HarnessError(
      'shape-mismatch',
      `${source}: vaeDecoder.framesPerCall ${decoder.framesPerCall} does not divide latent.frames ${latent.frames}; the decoder is called on whole chunks, so accepted: a divisor of ${latent.frames}`,
    );
  }
  expectAxes(source, 'vaeDecoder.inputs.latents', decoder.path, decoder.inputs.latents, [['frames', decoder.framesPerCall], ['channels', latent.channels], ['height', latent.height], ['width', latent.width]]);
  expectAxes(source, 'vaeDecoder.outputs.sample', decoder.path, decoder.outputs.sample, [['frames', decoder.framesPerCall], ['rgb', 3], ['height', null], ['width', null]]);
  return staticDim(unet.inputs.encoderHiddenStates, 2);
}

function checkContextWidth(source: string, field: string, tensor: UserModelTensor, file: string, contextWidth: number | null): void {
  const width = tensor.shape?.[tensor.shape.length - 1];
  if (contextWidth !== null && typeof width === 'number' && width !== contextWidth) {
    throw new HarnessError('shape-mismatch', `${source}: ${field} "${tensor.name}" is ${width} wide in ${basename(file)}, but the UNet's encoder_hidden_states are ${contextWidth} wide`);
  }
}

export function checkTextToVideoShapes(source: string, model: UserTextToVideoSource): void {
  const contextWidth = checkCommon(source, model, model.latent.channels);
  const text = model.textEncoder;
  expectAxes(source, 'textEncoder.inputs.inputIds', text.path, text.inputs.inputIds, [['batch', null], ['tokens', null]]);
  expectAxes(source, 'textEncoder.outputs.hiddenStates', text.path, text.outputs.hiddenStates, [['batch', null], ['tokens', null], ['width', null]]);
  checkContextWidth(source, 'textEncoder.outputs.hiddenStates', text.outputs.hiddenStates, text.path, contextWidth);
}

export function checkImageToVideoShapes(source: string, model: UserImageToVideoSource): void {
  // SVD concatenates the image latents to the noisy latents along channels.
  const contextWidth = checkCommon(source, model, 2 * model.latent.channels);
  const { imageEncoder, vaeEncoder, latent, unet } = model;
  expectAxes(source, 'imageEncoder.inputs.pixelValues', imageEncoder.path, imageEncoder.inputs.pixelValues, [['batch', null], ['rgb', 3], ['height', null], ['width', null]]);
  const embeds = imageEncoder.outputs.imageEmbeds;
  if (embeds.shape && embeds.shape.length !== 2 && embeds.shape.length !== 3) {
    throw new HarnessError('shape-mismatch', `${source}: imageEncoder.outputs.imageEmbeds "${embeds.name}" has rank ${embeds.shape.length} in ${basename(imageEncoder.path)}; expected [batch, width] or [batch, 1, width]`);
  }
  checkContextWidth(source, 'imageEncoder.outputs.imageEmbeds', embeds, imageEncoder.path, contextWidth);
  expectAxes(source, 'vaeEncoder.inputs.sample', vaeEncoder.path, vaeEncoder.inputs.sample, [['batch', null], ['rgb', 3], ['height', null], ['width', null]]);
  expectAxes(source, 'vaeEncoder.outputs.latents', vaeEncoder.path, vaeEncoder.outputs.latents, [['batch', null], ['channels', latent.channels], ['height', latent.height], ['width', latent.width]]);
  expectAxes(source, 'unet.inputs.addedTimeIds', unet.path, unet.inputs.addedTimeIds!, [['batch', staticDim(unet.inputs.sample, 0)], ['ids', 3]]);
}
