import { GraphBuilder } from '../onnx/graph-builder.ts';
import { add, layerNormPlain, linear, mul, sub } from '../onnx/ops.ts';
import type { TensorRef } from '../onnx/types.ts';
import { conditionEmbedder, modulation, patchEmbedding, unpatchify, wanBlock, wanRotaryTables } from './dit-layers.ts';
import type { DitGraphOptions, DitPreset } from './types.ts';
import { DIT_IO } from './types.ts';

/** Names of the tensors entering the first block and leaving each block, in every transformer graph that has them. */
export const DIT_BLOCK_NAMES = { input: 'blocks.input', output: (i: number) => `blocks.${i}.output`, timeEmbedding: 'condition_embedder.temb' } as const;

/** Hidden width of a preset's transformer. */
export function ditWidth(preset: DitPreset): number {
  return preset.transformer.heads * preset.transformer.headDim;
}

/** Token grid (frames, rows, columns) after patchifying the preset's latent video. */
export function ditTokenGrid(preset: DitPreset): [number, number, number] {
  const [pt, ph, pw] = preset.transformer.patch;
  const sizes: [number, number, number] = [preset.frames / pt, preset.latentHeight / ph, preset.latentWidth / pw];
  const axes = ['frames', 'latent height', 'latent width'];
  const given = [preset.frames, preset.latentHeight, preset.latentWidth];
  for (const [i, size] of sizes.entries()) {
    if (!Number.isInteger(size)) throw new RangeError(`${preset.name}: ${axes[i]} ${given[i]} is not divisible by patch ${preset.transformer.patch[i]}`);
  }
  return sizes;
}

/** Shape of the token states that travel between head, middle and tail, and of the block residual. */
export function ditTokenShape(preset: DitPreset, videos: number): number[] {
  const [f, h, w] = ditTokenGrid(preset);
  return [videos, f * h * w, ditWidth(preset)];
}

/** Checks a split (`Fn` head blocks, `Bn` tail blocks) leaves at least one middle block. */
export function checkBlockSplit(preset: DitPreset, firstBlocks: number, lastBlocks: number): void {
  const layers = preset.transformer.layers;
  const ok = (v: number) => Number.isInteger(v) && v >= 0;
  if (!ok(firstBlocks) || !ok(lastBlocks) || firstBlocks + lastBlocks >= layers) {
    throw new RangeError(
      `block split firstBlocks ${firstBlocks}, lastBlocks ${lastBlocks} does not fit preset ${preset.name}'s ${layers} blocks: ` +
        `both must be integers ≥ 0 with firstBlocks + lastBlocks ≤ ${layers - 1}, so the middle keeps a block`,
    );
  }
}

/**
 * Builds one Wan-2.1-topology transformer graph (diffusers' WanTransformer3DModel, text-to-video). Whole-model
 * inputs: hidden_states [videos, C, F, H, W], timestep [videos], encoder_hidden_states [videos, S, textDim]; output
 * noise_pred of the sample's shape. The head, middle and tail graphs chain through the token states and the
 * conditioning the head computes (see DIT_IO); `full-with-residual` also outputs the middle blocks' residual, which
 * a tail fed head + residual turns into the whole model's output.
 */
export function buildDitGraph(preset: DitPreset, options: DitGraphOptions, seed: number, materialize = true): GraphBuilder {
  const dims = preset.transformer;
  const { mode, videos, firstBlocks, lastBlocks } = options;
  if (mode !== 'full') checkBlockSplit(preset, firstBlocks, lastBlocks);
  const dim = ditWidth(preset);
  const grid = ditTokenGrid(preset);
  const tokenShape = ditTokenShape(preset, videos);
  const rotary = wanRotaryTables(dims.headDim, grid, dims.ropeMaxSeqLen);
  const b = new GraphBuilder({ name: `dit-${preset.name}-${mode}`, seed, materialize, attention: options.attention ?? 'fused' });
  const layers = dims.layers;
  const middleStart = mode === 'full' ? 0 : firstBlocks;
  const middleEnd = mode === 'full' ? layers : layers - lastBlocks;

  let tokens: TensorRef;
  let text: TensorRef;
  let timestepProj: TensorRef;
  let temb: TensorRef | null = null;
  const startsAtInput = mode === 'full' || mode === 'full-with-residual' || mode === 'head';
  if (startsAtInput) {
    const sample = b.input(DIT_IO.sample, [videos, preset.latentChannels, preset.frames, preset.latentHeight, preset.latentWidth]);
    const timestep = b.input(DIT_IO.timestep, [videos]);
    const context = b.input(DIT_IO.context, [videos, preset.textTokens, dims.textDim]);
    tokens = patchEmbedding(b, 'patch_embedding', sample, dim, dims.patch);
    if (mode === 'head') b.output(tokens, DIT_IO.patchTokens);
    const conditioning = conditionEmbedder(b, timestep, context, dims);
    ({ textTokens: text, timestepProj } = conditioning);
    // Named so a manifest can point TeaCache at it: the embedding every block's modulation is made from.
    temb = b.named(conditioning.temb, DIT_BLOCK_NAMES.timeEmbedding);
  } else {
    tokens = b.input(mode === 'middle' ? DIT_IO.headTokens : DIT_IO.middleTokens, tokenShape);
    text = b.input(DIT_IO.textTokens, [videos, preset.textTokens, dim]);
    timestepProj = b.input(DIT_IO.modulation, [videos, 6, dim]);
    if (mode === 'tail') temb = b.input(DIT_IO.timeEmbedding, [videos, dim]);
  }

  // Stable names for the blocks' input and outputs, so a manifest can name them for the block cache.
  if (startsAtInput) tokens = b.named(tokens, DIT_BLOCK_NAMES.input);
  const block = (i: number, x: TensorRef) => b.named(wanBlock(b, `blocks.${i}`, x, text, timestepProj, rotary, dims), DIT_BLOCK_NAMES.output(i));
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
  const headBlocks = mode === 'full' || mode === 'full-with-residual' || mode === 'head' ? range(0, middleStart) : [];
  const middleBlocks = mode === 'head' || mode === 'tail' ? [] : range(middleStart, middleEnd);
  const tailBlocks = mode === 'full' || mode === 'full-with-residual' || mode === 'tail' ? range(middleEnd, layers) : [];

  for (const i of headBlocks) tokens = block(i, tokens);
  if (mode === 'head') {
    b.output(tokens, DIT_IO.headTokens);
    b.output(text, DIT_IO.textTokens);
    b.output(timestepProj, DIT_IO.modulation);
    b.output(temb!, DIT_IO.timeEmbedding);
    return b;
  }
  const middleIn = tokens;
  for (const i of middleBlocks) tokens = block(i, tokens);
  const residual = mode === 'middle' || mode === 'full-with-residual' ? sub(b, tokens, middleIn) : null;
  if (mode === 'middle') {
    b.output(tokens, DIT_IO.middleTokens);
    b.output(residual!, DIT_IO.residual);
    return b;
  }
  for (const i of tailBlocks) tokens = block(i, tokens);

  // Output norm modulated by the time embedding itself (not its 6-way projection), then projection to patches.
  const tembRows = b.op('Unsqueeze', [temb!, b.int64s([1])], [videos, 1, dim]);
  const [shift, scaleRow] = modulation(b, 'scale_shift_table', tembRows, 2) as [TensorRef, TensorRef];
  const normed = add(b, mul(b, layerNormPlain(b, tokens, dims.eps), add(b, scaleRow, b.scalar(1))), shift);
  const [pt, ph, pw] = dims.patch;
  const patches = linear(b, 'proj_out', normed, preset.latentChannels * pt * ph * pw);
  b.output(unpatchify(b, patches, preset.latentChannels, grid, dims.patch), DIT_IO.noise);
  if (mode === 'full-with-residual') b.output(residual!, DIT_IO.residual);
  return b;
}
