import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { chunkSizes, concat, reshape, split, transpose, upsampleNearest2x } from '../pipelines/onnx/ops.ts';
import { maxAbsDiff, randomArray, runGraph } from './fixtures/run-built-graph.ts';

// These ops only move values: tolerance 0 (bit-exact).

describe('data-movement ops', () => {
  it('upsampleNearest2x repeats every pixel into a 2×2 block', async () => {
    const [n, c, h, w] = [2, 3, 4, 5];
    const b = new GraphBuilder({ name: 'resize', seed: 1 });
    const x = b.input('x', [n, c, h, w]);
    const y = upsampleNearest2x(b, x);
    expect(y.shape).toEqual([n, c, 2 * h, 2 * w]);
    b.output(y, 'y');
    const xs = randomArray(3, n * c * h * w);
    const expected = new Float32Array(n * c * 4 * h * w);
    for (let p = 0; p < n * c; p++) {
      for (let oy = 0; oy < 2 * h; oy++) {
        for (let ox = 0; ox < 2 * w; ox++) expected[(p * 2 * h + oy) * 2 * w + ox] = xs[(p * h + (oy >> 1)) * w + (ox >> 1)]!;
      }
    }
    const { y: actual } = await runGraph(b, { x: { data: xs, dims: [n, c, h, w] } });
    const error = maxAbsDiff(actual!, expected);
    console.log(`upsampleNearest2x: max abs error ${error}`);
    expect(error).toBe(0);
  });

  it('split into uneven chunks then concat gives back the input, and each chunk is its slice', async () => {
    const shape = [2, 7, 3];
    const sizes = chunkSizes(7, 3);
    expect(sizes).toEqual([3, 2, 2]);
    const b = new GraphBuilder({ name: 'split-concat', seed: 1 });
    const x = b.input('x', shape);
    const parts = split(b, x, 1, sizes);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 3, 3],
      [2, 2, 3],
      [2, 2, 3],
    ]);
    parts.forEach((p, i) => b.output(p, `part${i}`));
    // Reassembled in reverse on axis -2 and then back in order, so concat's axis handling is exercised too.
    const reversed = concat(b, [...parts].reverse(), -2);
    expect(reversed.shape).toEqual(shape);
    b.output(reversed, 'reversed');
    b.output(concat(b, parts, 1), 'roundTrip');
    const xs = randomArray(4, 42);
    const out = await runGraph(b, { x: { data: xs, dims: shape } });
    const roundTripError = maxAbsDiff(out.roundTrip!, xs);
    console.log(`split/concat round trip: max abs error ${roundTripError}`);
    expect(roundTripError).toBe(0);
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, v) => a + v, 0));
    const slice = (batch: number, chunk: number) => Array.from(xs.subarray((batch * 7 + offsets[chunk]!) * 3, (batch * 7 + offsets[chunk]! + sizes[chunk]!) * 3));
    sizes.forEach((_, i) => expect(Array.from(out[`part${i}`]!)).toEqual([...slice(0, i), ...slice(1, i)]));
    const reversedExpected = [0, 1].flatMap((batch) => [2, 1, 0].flatMap((chunk) => slice(batch, chunk)));
    expect(Array.from(out.reversed!)).toEqual(reversedExpected);
  });

  it('reshape and transpose lay values out as row-major index arithmetic says', async () => {
    const b = new GraphBuilder({ name: 'layout', seed: 1 });
    const x = b.input('x', [2, 3, 4]);
    const t = transpose(b, reshape(b, x, [2, 3, 2, 2]), [0, 2, 3, 1]);
    expect(t.shape).toEqual([2, 2, 2, 3]);
    b.output(t, 'y');
    const xs = randomArray(6, 24);
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) expected.push(xs[n * 12 + c * 4 + i * 2 + j]!);
    const { y } = await runGraph(b, { x: { data: xs, dims: [2, 3, 4] } });
    expect(Array.from(y!)).toEqual(expected);
  });

  it('chunkSizes covers the axis with near-equal parts and never more parts than elements', () => {
    expect(chunkSizes(8, 9)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(chunkSizes(10, 4)).toEqual([3, 3, 2, 2]);
    expect(chunkSizes(5, 1)).toEqual([5]);
    for (let length = 1; length <= 20; length++) {
      for (let count = 1; count <= 12; count++) {
        const sizes = chunkSizes(length, count);
        expect(sizes.reduce((s, v) => s + v, 0)).toBe(length);
        expect(sizes.length).toBe(Math.min(length, count));
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('rejects a split that does not cover the axis and a reshape that changes the element count', () => {
    const b = new GraphBuilder({ name: 'bad', seed: 1 });
    const x = b.input('x', [2, 6]);
    expect(() => split(b, x, 1, [4, 3])).toThrow(/do not cover/);
    expect(() => reshape(b, x, [5, 2])).toThrow(/element count/);
  });
});
