import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { getPreset } from '../pipelines/models/presets.ts';
import { buildTextEncoderGraph } from '../pipelines/models/text-encoder.ts';
import type { ChunkCounts, UnetGraphMode } from '../pipelines/models/types.ts';
import { buildUnetGraph, unetBranchCount } from '../pipelines/models/unet.ts';
import { buildVaeDecoderGraph } from '../pipelines/models/vae-decoder.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph } from '../pipelines/models/dit.ts';
import type { DitGraphMode } from '../pipelines/models/types.ts';

const tiny = getPreset('tiny');
const SEED = 1234;

function unet(mode: UnetGraphMode, chunks: ChunkCounts | null, seed = SEED, cacheBranch = 1): GraphBuilder {
  return buildUnetGraph(tiny, { mode, cacheBranch, chunks, frames: tiny.frames, videos: 2 }, seed);
}

const ditTiny = getDitPreset('dit-tiny');
function dit(mode: DitGraphMode, seed = SEED): GraphBuilder {
  return buildDitGraph(ditTiny, { mode, firstBlocks: 1, lastBlocks: 1, videos: 2 }, seed);
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const GRAPHS: [string, (seed: number) => GraphBuilder][] = [
  ['unet full', (seed) => unet('full', null, seed)],
  ['unet full-with-cache', (seed) => unet('full-with-cache', null, seed)],
  ['unet shallow', (seed) => unet('shallow', null, seed)],
  ['unet full chunked {3,2}', (seed) => unet('full', { batchFrames: 3, spatial: 2 }, seed)],
  ['unet shallow chunked {9,2}', (seed) => unet('shallow', { batchFrames: 9, spatial: 2 }, seed)],
  ['text encoder', (seed) => buildTextEncoderGraph(tiny, seed)],
  ['vae decoder', (seed) => buildVaeDecoderGraph(tiny, 2, seed)],
  ['dit-tiny transformer full', (seed) => dit('full', seed)],
  ['dit-tiny transformer head', (seed) => dit('head', seed)],
  ['dit-tiny transformer middle', (seed) => dit('middle', seed)],
  ['dit-tiny transformer tail', (seed) => dit('tail', seed)],
];

describe('built-in model determinism (tiny preset)', () => {
  for (const [label, build] of GRAPHS) {
    it(`${label}: the same seed gives byte-identical model bytes, another seed different weights only`, () => {
      const first = build(SEED).build();
      const second = build(SEED).build();
      expect(first.externalData).toBeNull();
      expect(digest(second.modelBytes)).toBe(digest(first.modelBytes));
      expect(second.modelBytes.byteLength).toBe(first.modelBytes.byteLength);
      const other = build(SEED + 1);
      const otherBytes = other.build().modelBytes;
      expect(digest(otherBytes)).not.toBe(digest(first.modelBytes));
      // Same structure: the weights differ, not the graph.
      expect(otherBytes.byteLength).toBe(first.modelBytes.byteLength);
      const reference = build(SEED);
      expect(other.opTypes()).toEqual(reference.opTypes());
      const differing = reference.weightNames().filter((name) => {
        const a = reference.weightData(name)!;
        const b = other.weightData(name)!;
        return a.some((v, i) => v !== b[i]);
      });
      // Every built-in weight is drawn (norm scales around 1), so every one must change with the seed.
      console.log(`${label}: ${differing.length} of ${reference.weightNames().length} weights differ between seeds ${SEED} and ${SEED + 1}`);
      expect(differing.length).toBe(reference.weightNames().length);
    });
  }

  it('shallow, full-with-cache and chunked UNet graphs hold the full graph’s weights byte for byte under the same names', () => {
    const full = unet('full', null);
    const fullNames = full.weightNames();
    const variants: [string, GraphBuilder][] = [['full-with-cache', unet('full-with-cache', null)]];
    for (const chunks of [null, { batchFrames: 3, spatial: 2 }, { batchFrames: 9, spatial: 2 }]) {
      if (chunks) variants.push([`full ${JSON.stringify(chunks)}`, unet('full', chunks)]);
      for (let branch = 0; branch < unetBranchCount(tiny); branch++) {
        variants.push([`shallow branch ${branch} ${JSON.stringify(chunks)}`, unet('shallow', chunks, SEED, branch)]);
      }
    }
    for (const [label, graph] of variants) {
      const names = graph.weightNames();
      if (label.startsWith('shallow')) {
        expect(names.length, label).toBeLessThan(fullNames.length);
        expect(fullNames, label).toEqual(expect.arrayContaining(names));
      } else {
        expect([...names].sort(), label).toEqual([...fullNames].sort());
      }
      for (const name of names) {
        const mine = new Uint8Array(graph.weightData(name)!.buffer);
        const theirs = new Uint8Array(full.weightData(name)!.buffer);
        if (digest(mine) !== digest(theirs)) expect.fail(`${label}: weight ${name} differs from the full graph's`);
      }
    }
  });

  it('a weight’s values depend on its name and the seed, not on the order graphs ask for weights', () => {
    const full = unet('full', null);
    const shallow = unet('shallow', null, SEED, 0);
    // conv_out is created last in the full graph and after far fewer weights in the shallow one.
    const name = 'conv_out.weight';
    expect(Array.from(shallow.weightData(name)!)).toEqual(Array.from(full.weightData(name)!));
    const a = full.weightData('conv_in.weight')!;
    const b = full.weightData('down_blocks.0.resnets.0.conv1.weight')!;
    expect(Array.from(a.subarray(0, 16))).not.toEqual(Array.from(b.subarray(0, 16)));
  });

  it('the transformer’s head, middle and tail split the full graph’s weights between them, byte for byte under the same names', () => {
    const full = dit('full');
    const withResidual = dit('full-with-residual');
    expect(withResidual.weightNames()).toEqual(full.weightNames());
    const pieces = (['head', 'middle', 'tail'] as const).map((mode) => dit(mode));
    const names = pieces.flatMap((piece) => piece.weightNames());
    // Each weight lives in exactly one piece, so the pieces together hold one copy of the model.
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...full.weightNames()].sort());
    for (const piece of pieces) {
      for (const name of piece.weightNames()) {
        if (digest(new Uint8Array(piece.weightData(name)!.buffer)) !== digest(new Uint8Array(full.weightData(name)!.buffer))) {
          expect.fail(`${piece.name}: weight ${name} differs from the full graph's`);
        }
      }
    }
  });
});
