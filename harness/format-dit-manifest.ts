import { basename } from 'node:path';
import Table from 'cli-table3';
import type { UserDitSource, UserModelTensor } from '../pipelines/models/types.ts';
import type { SchedulerConfig } from '../pipelines/schedulers/types.ts';

const shapeText = (shape: UserModelTensor['shape']) => (shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : 'unknown');

/** The sampler in one line: its kind and the settings that tell configs of that kind apart. */
export function describeScheduler(s: SchedulerConfig): string {
  const extras =
    s.kind === 'flow-match-euler'
      ? [s.dynamicShift ? `${s.dynamicShift.timeShiftType} time shift μ = ${s.dynamicShift.mu}` : `shift ${s.shift}`]
      : s.kind === 'unipc'
        ? [s.predictionType, `flow shift ${s.flowShift}`, `order ${s.solverOrder} ${s.solverType}`]
        : [
            s.predictionType,
            ...(s.karrasSigmas ? [`Karras sigmas ${s.karrasSigmas.sigmaMin ?? "the schedule's smallest"}–${s.karrasSigmas.sigmaMax ?? "the schedule's largest"}`] : []),
            ...(s.timestepType === 'continuous' ? ['continuous timesteps'] : []),
            ...(s.rescaleBetasZeroSnr ? ['zero terminal SNR'] : []),
          ];
  return `scheduler ${s.kind} (${extras.join(', ')})`;
}

/** `lightbench models inspect` of a diffusion-transformer manifest: components, tensors, blocks, decoder split. */
export function formatDitManifest(model: UserDitSource): string {
  const rows = new Table({ head: ['component', 'file', 'role', 'tensor', 'shape'], style: { head: [], border: [] } });
  const components = { textEncoder: model.textEncoder, denoiser: model.denoiser, vaeDecoder: model.vaeDecoder };
  for (const [name, component] of Object.entries(components)) {
    const tensors = [...Object.entries(component.inputs), ...Object.entries(component.outputs)] as [string, UserModelTensor][];
    for (const [role, tensor] of tensors) rows.push([name, basename(component.path), role, tensor.name, shapeText(tensor.shape)]);
  }
  const { latent, video, denoiser } = model;
  const { architecture } = denoiser;
  const { blocks } = architecture;
  const scaling = latent.scalingFactor !== undefined ? `scaling ${latent.scalingFactor}` : 'per-channel mean and std';
  const causal = model.vaeDecoder.causalFrames;
  const lines = [
    `${model.manifestPath}: valid ${model.kind} manifest "${model.name}"`,
    `latent ${latent.channels}×${latent.frames}×${latent.height}×${latent.width} (BCFHW, ${scaling}) → video ${video.frames}×${video.height}×${video.width}, ${describeScheduler(model.scheduler)}, guidance ${model.guidanceScale} (${denoiser.guidanceCalls} calls in the source pipeline)`,
    `text: ${model.textEncoder.maxSequenceLength} tokens, states past the prompt ${model.textEncoder.statesPastPrompt}`,
    rows.toString(),
    `denoiser: patch ${architecture.patchSize.join('×')} → ${denoiser.tokens.image} image tokens, ${denoiser.tokens.text} text tokens; ${architecture.rotaryEmbedding} rotary embedding, ${architecture.timestepModulation} timestep modulation, text by ${architecture.textConditioning}`,
    `${blocks.count} transformer blocks, streams ${blocks.streams.join(' + ')} (block-cache boundaries):`,
  ];
  const boundaries = new Table({ head: ['after', ...blocks.streams], style: { head: [], border: [] } });
  boundaries.push(['(input)', ...blocks.streams.map((s) => blocks.input[s] ?? '-')]);
  blocks.outputs.forEach((out, i) => boundaries.push([`block ${i}`, ...blocks.streams.map((s) => out[s] ?? '- (unread)')]));
  lines.push(boundaries.toString());
  const tea = denoiser.teaCache;
  lines.push(
    tea
      ? `run-time caches: first-block-cache; teacache measuring "${tea.modulatedInput}", change rescaled by a degree-${tea.coefficients.length - 1} polynomial${tea.coefficientsSource ? ` (${tea.coefficientsSource})` : ''}`
      : `run-time caches: first-block-cache; no teacache (the manifest gives no denoiser.teaCache)`,
  );
  const mag = denoiser.magCache;
  lines.push(
    mag
      ? `mag-cache: ${mag.ratios.length} magnitude ratios from the manifest${mag.ratiosSource ? ` (${mag.ratiosSource})` : ''}, interpolated to the run's steps`
      : 'mag-cache: ratios calibrated on an uncached pass before the timed runs (the manifest gives no denoiser.magCache.ratios)',
  );
  lines.push(
    causal
      ? `VAE decoder: all ${latent.frames} latent frames in one call (${basename(model.vaeDecoder.path)}), or frame by frame with ${causal.nextFrame.cacheInputs.length} causal cache tensors carried between calls (${basename(causal.firstFrame.path)}, then ${basename(causal.nextFrame.path)}: ${causal.temporalCompression} video frames per latent frame)`
      : `VAE decoder: ${model.vaeDecoder.framesPerCall ?? latent.frames} latent frames per call; no per-frame causal split in this manifest`,
  );
  return lines.join('\n');
}
