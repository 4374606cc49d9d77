import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { getPreset } from '../pipelines/models/presets.ts';
import { buildTextEncoderGraph } from '../pipelines/models/text-encoder.ts';
import type { UnetGraphMode } from '../pipelines/models/types.ts';
import { UNET_IO } from '../pipelines/models/types.ts';
import { buildUnetGraph, cacheFeatureShape, unetBranchCount } from '../pipelines/models/unet.ts';
import { buildVaeDecoderGraph } from '../pipelines/models/vae-decoder.ts';
import type { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { OPSET_VERSION } from '../pipelines/onnx/graph-builder.ts';
import { countBy, elements } from './fixtures/count-parameters.ts';

// Parameter counts of diffusers' UNetMotionModel (SD-1.5 UNet + motion adapter v1-5-2), AutoencoderKL's decoder
// and CLIPTextModel, recorded by tools/reference/count_unet_motion_params.py. Tolerance: within 5% per component.
interface CountRow {
  total: number;
  motion: number;
  nonMotion: number;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/diffusers-unet-motion-sd15-param-counts.json', import.meta.url), 'utf8')) as {
  unetMotion: { total: number; motionModules: number; unetWithoutMotion: number; children: Record<string, CountRow> };
  vaeDecoder: { decoderPlusPostQuantConv: number; postQuantConv: number; decoderChildren: Record<string, number> };
  textEncoder: { total: number; children: Record<string, number> };
};

const TOLERANCE = 0.05;
const sd15 = getPreset('sd15');
const FRAMES = 16;
const VIDEOS = 2;
const { onnx } = onnxProto;

function unet(mode: UnetGraphMode, cacheBranch = 0): GraphBuilder {
  return buildUnetGraph(sd15, { mode, cacheBranch, chunks: null, frames: FRAMES, videos: VIDEOS }, 1, false);
}


/** diffusers' top-level child of a UNet parameter name, in its `down_blocks[i]` spelling. */
function unetChild(name: string): string {
  const parts = name.split('.');
  return parts[0] === 'down_blocks' || parts[0] === 'up_blocks' ? `${parts[0]}[${parts[1]}]` : parts[0]!;
}

function expectWithin(label: string, ours: number, theirs: number): void {
  const relative = theirs === 0 ? Math.abs(ours) : Math.abs(ours - theirs) / theirs;
  console.log(`${label}: ours ${ours}, diffusers ${theirs}, difference ${ours - theirs} (${(relative * 100).toFixed(3)}%)`);
  expect(relative, label).toBeLessThanOrEqual(TOLERANCE);
}

/** Distinct prefixes up to and including `<kind>.<index>`, e.g. `down_blocks.0.resnets.1`. */
function modules(g: GraphBuilder, kind: string): string[] {
  const pattern = new RegExp(`^(.*?\\b${kind}\\.\\d+)\\.`);
  return [...new Set(g.weightNames().flatMap((n) => pattern.exec(n)?.[1] ?? []))];
}

describe('sd15 UNet graph against diffusers UNetMotionModel', () => {
  const full = unet('full');

  it('total parameters, and motion vs non-motion, are within 5% of diffusers', () => {
    const motion = (n: string) => n.split('.').includes('motion_modules');
    expectWithin('unet total', full.parameterCount(), reference.unetMotion.total);
    expectWithin('unet motion modules', countBy(full, (n) => (motion(n) ? 'm' : null)).m!, reference.unetMotion.motionModules);
    expectWithin('unet without motion', countBy(full, (n) => (motion(n) ? null : 'u')).u!, reference.unetMotion.unetWithoutMotion);
  });

  it('every top-level child (per down/up block, motion and non-motion) is within 5% of diffusers', () => {
    const ours = countBy(full, (n) => unetChild(n) + (n.split('.').includes('motion_modules') ? '.motion' : '.nonMotion'));
    for (const [child, row] of Object.entries(reference.unetMotion.children)) {
      expectWithin(`${child} non-motion`, ours[`${child}.nonMotion`] ?? 0, row.nonMotion);
      expectWithin(`${child} motion`, ours[`${child}.motion`] ?? 0, row.motion);
    }
    const ourChildren = new Set(Object.keys(ours).map((k) => k.slice(0, k.lastIndexOf('.'))));
    for (const child of ourChildren) expect(reference.unetMotion.children, `${child} has no diffusers counterpart`).toHaveProperty([child]);
  });

  it('has 4 down blocks of 2 layers with cross-attention in the first three, a mid block, and 4 up blocks of 3 layers (attention in the last three)', () => {
    const resnets = modules(full, 'resnets');
    const attentions = modules(full, 'attentions');
    for (let i = 0; i < 4; i++) {
      expect(resnets.filter((m) => m.startsWith(`down_blocks.${i}.`))).toHaveLength(2);
      expect(attentions.filter((m) => m.startsWith(`down_blocks.${i}.`))).toHaveLength(i < 3 ? 2 : 0);
      expect(full.weightShape(`down_blocks.${i}.downsamplers.0.conv.weight`) !== null).toBe(i < 3);
      expect(resnets.filter((m) => m.startsWith(`up_blocks.${i}.`))).toHaveLength(3);
      expect(attentions.filter((m) => m.startsWith(`up_blocks.${i}.`))).toHaveLength(i > 0 ? 3 : 0);
      expect(full.weightShape(`up_blocks.${i}.upsamplers.0.conv.weight`) !== null).toBe(i < 3);
    }
    expect(resnets.filter((m) => m.startsWith('mid_block.'))).toEqual(['mid_block.resnets.0', 'mid_block.resnets.1']);
    expect(attentions.filter((m) => m.startsWith('mid_block.'))).toEqual(['mid_block.attentions.0']);
    // Cross-attention keys and values read the 768-wide CLIP context.
    for (const attention of attentions) {
      const channels = full.weightShape(`${attention}.proj_in.weight`)![0]!;
      expect(full.weightShape(`${attention}.transformer_blocks.0.attn2.to_k.weight`), attention).toEqual([768, channels]);
      expect(full.weightShape(`${attention}.transformer_blocks.0.attn1.to_k.weight`), attention).toEqual([channels, channels]);
      // SD-1.5's Transformer2DModel projects with 1×1 convolutions.
      expect(full.weightShape(`${attention}.proj_in.weight`), attention).toEqual([channels, channels, 1, 1]);
      expect(full.weightShape(`${attention}.transformer_blocks.0.ff.net.0.proj.weight`), attention).toEqual([channels, 8 * channels]);
    }
  });

  it('has 21 motion modules (2×4 down, 3×4 up, 1 mid), each GroupNorm + proj_in + two temporal attentions + GEGLU + proj_out with no position parameters', () => {
    const motion = modules(full, 'motion_modules');
    console.log(`motion modules: ${motion.length}`);
    expect(motion).toHaveLength(21);
    expect(motion.filter((m) => m.startsWith('down_blocks.'))).toHaveLength(8);
    expect(motion.filter((m) => m.startsWith('up_blocks.'))).toHaveLength(12);
    expect(motion.filter((m) => m.startsWith('mid_block.'))).toHaveLength(1);
    for (const module of motion) {
      const channels = full.weightShape(`${module}.norm.weight`)![0]!;
      const count = full.weightNames().filter((n) => n.startsWith(`${module}.`)).reduce((s, n) => s + elements(full, n), 0);
      // norm 2C, proj_in/out 2(C²+C), attn1/attn2 2(4C²+C), three LayerNorms 6C, GEGLU 8C²+8C + 4C²+C = 22C² + 21C.
      expect(count, module).toBe(22 * channels * channels + 21 * channels);
      expect(full.weightShape(`${module}.transformer_blocks.0.attn1.to_q.weight`)).toEqual([channels, channels]);
      expect(full.weightShape(`${module}.transformer_blocks.0.attn1.to_q.bias`)).toBeNull();
    }
    expect(full.weightNames().filter((n) => /pos/.test(n))).toEqual([]);
  });

  it('declares the 16-frame × 2-video inputs and outputs, in all three modes', () => {
    const n = FRAMES * VIDEOS;
    const base = [
      { name: UNET_IO.sample, shape: [n, 4, 64, 64] },
      { name: UNET_IO.timestep, shape: [1] },
      { name: UNET_IO.context, shape: [n, 77, 768] },
    ];
    expect(full.signature()).toEqual({ inputs: base, outputs: [{ name: UNET_IO.noise, shape: [n, 4, 64, 64] }] });
    for (let branch = 0; branch < unetBranchCount(sd15); branch++) {
      const expectedCache = cacheFeatureShape(sd15, { cacheBranch: branch, frames: FRAMES, videos: VIDEOS });
      const withCache = unet('full-with-cache', branch).signature();
      const shallow = unet('shallow', branch).signature();
      expect(withCache.inputs).toEqual(base);
      expect(withCache.outputs).toEqual([
        { name: UNET_IO.noise, shape: [n, 4, 64, 64] },
        { name: UNET_IO.cacheFeature, shape: expectedCache },
      ]);
      expect(shallow.inputs).toEqual([...base, { name: UNET_IO.cacheFeature, shape: expectedCache }]);
      expect(shallow.outputs).toEqual([{ name: UNET_IO.noise, shape: [n, 4, 64, 64] }]);
    }
    // Branch 0 caches the 320-channel feature at full latent resolution; the deepest branch the mid block's output.
    expect(cacheFeatureShape(sd15, { cacheBranch: 0, frames: FRAMES, videos: VIDEOS })).toEqual([n, 320, 64, 64]);
    expect(cacheFeatureShape(sd15, { cacheBranch: 1, frames: FRAMES, videos: VIDEOS })).toEqual([n, 640, 64, 64]);
    expect(cacheFeatureShape(sd15, { cacheBranch: 7, frames: FRAMES, videos: VIDEOS })).toEqual([n, 1280, 8, 8]);
  });

  it(`targets opset ${OPSET_VERSION} with operators that exist there`, () => {
    expect(OPSET_VERSION).toBe(17);
    // The encoded opset is read back from a small graph of the same builder; sd15's operators are a subset of the tiny UNet's.
    const tiny = getPreset('tiny');
    const tinyGraph = buildUnetGraph(tiny, { mode: 'full', cacheBranch: 0, chunks: { batchFrames: 2, spatial: 2 }, frames: tiny.frames, videos: 2 }, 1);
    const model = onnx.ModelProto.decode(tinyGraph.build().modelBytes);
    // Fused attention is ONNX Runtime's contrib operator, imported from its own domain.
    expect(model.opsetImport!.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) }))).toEqual([
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ]);
    expect(model.graph!.node!.filter((n) => n.opType === 'MultiHeadAttention').every((n) => n.domain === 'com.microsoft')).toBe(true);
    const sd15Ops = new Set(full.opTypes());
    expect([...sd15Ops].filter((op) => !tinyGraph.opTypes().includes(op))).toEqual([]);
    // LayerNormalization needs opset ≥ 17; ReduceSumSquare with an `axes` attribute, ReduceSum and Split with axes/sizes
    // as inputs need exactly 13–17.
    expect(sd15Ops.has('LayerNormalization')).toBe(true);
    const reduceSumSquare = model.graph!.node!.find((node) => node.opType === 'ReduceSumSquare')!;
    expect(reduceSumSquare.attribute!.map((a) => a.name)).toContain('axes');
    const reduceSum = model.graph!.node!.find((node) => node.opType === 'ReduceSum')!;
    expect(reduceSum.input).toHaveLength(2);
    const splitNode = model.graph!.node!.find((node) => node.opType === 'Split')!;
    expect(splitNode.input).toHaveLength(2);
  });
});

describe('sd15 text encoder and VAE decoder against diffusers / transformers', () => {
  it('CLIP text model: total and per part within 5%', () => {
    const text = buildTextEncoderGraph(sd15, 1, false);
    expectWithin('text encoder total', text.parameterCount(), reference.textEncoder.total);
    const ours = countBy(text, (n) => {
      if (n.startsWith('embeddings.')) return n.split('.').slice(0, 2).join('.');
      if (n.startsWith('encoder.layers.0.')) return 'encoder.layers[0]';
      if (n.startsWith('final_layer_norm.')) return 'final_layer_norm';
      return null;
    });
    ours.encoder = countBy(text, (n) => (n.startsWith('encoder.') ? 'e' : null)).e!;
    for (const [part, count] of Object.entries(reference.textEncoder.children)) expectWithin(`text ${part}`, ours[part] ?? 0, count);
    expect(modules(text, 'layers')).toHaveLength(12);
  });

  it('SD VAE decoder (+ post_quant_conv): total and per block within 5%', () => {
    const vae = buildVaeDecoderGraph(sd15, 1, 1, false);
    expectWithin('vae decoder + post_quant_conv total', vae.parameterCount(), reference.vaeDecoder.decoderPlusPostQuantConv);
    const ours = countBy(vae, (n) => {
      const parts = n.split('.');
      if (parts[0] === 'post_quant_conv') return 'post_quant_conv';
      return parts[1] === 'up_blocks' ? `up_blocks[${parts[2]}]` : parts[1]!;
    });
    expectWithin('vae post_quant_conv', ours.post_quant_conv ?? 0, reference.vaeDecoder.postQuantConv);
    for (const [child, count] of Object.entries(reference.vaeDecoder.decoderChildren)) expectWithin(`vae ${child}`, ours[child] ?? 0, count);
  });
});
